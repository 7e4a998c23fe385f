import type { Rng } from '@raunet/core';
import { PhantomTissue as T } from '../tissue.js';
import { bodyScale, cavityScale, diaphragm, mediastinumHalfWidth, sq } from './anatomy.js';
import type { Anatomy, PlaneMaps } from './anatomy.js';
import type { Frame } from './frame.js';
import { ValueNoise3 } from './noise.js';

/** Outputs of the base anatomy pass. */
export interface BaseVolumes {
  ct: Int16Array;
  tissue: Uint8Array;
  lung: Uint8Array;
  /** Bounding box of the lung mask, voxel indices inclusive: [i0, j0, k0, i1, j1, k1] (all -1 when empty). */
  lungBox: number[];
  lungCount: number;
}

/**
 * Draws body, fat, muscle, ribs, sternum, spine, heart, mediastinum, abdomen, table and lungs (with
 * texture) slice by slice, writing HU, tissue codes and the lung mask.
 */
export function drawAnatomy(a: Anatomy, f: Frame, maps: PlaneMaps, rng: Rng, out: BaseVolumes): void {
  const { nx, ny, nz } = f;
  const plane = nx * ny;
  const { ct, tissue, lung } = out;
  const cell = (mm: number): [number, number, number] => [
    Math.max(mm, 1.5 * f.au) / f.au,
    Math.max(mm, 1.5 * f.av) / f.av,
    Math.max(mm, 1.5 * f.aw) / f.aw,
  ];
  const shell = Math.max(2, f.av * 1.01);
  const boundaryNoise = new ValueNoise3([nx, ny, nz], cell(32), rng);
  const texCoarse = new ValueNoise3([nx, ny, nz], cell(10), rng);
  const texFine = new ValueNoise3([nx, ny, nz], cell(4), rng);
  const nb = new Float32Array(plane);
  const t1 = new Float32Array(plane);
  const t2 = new Float32Array(plane);
  const U = new Float32Array(nx);
  const V = new Float32Array(ny);
  for (let i = 0; i < nx; i++) U[i] = f.u(i);
  for (let j = 0; j < ny; j++) V[j] = f.v(j);
  const { r: R, rBody: RB, fat: FAT, rCavity: RC, phi: PHI, ribFall: FALL } = maps;
  const h = a.heart;
  const ca = Math.cos(h.angle);
  const sa = Math.sin(h.angle);
  const vb = a.spineV;
  const lungSpan = Math.max(1, a.bodyBack + vb);
  // Lung bounding box [i0, j0, k0, i1, j1, k1], grown voxel by voxel (inclusive).
  const box = [nx, ny, nz, -1, -1, -1];
  const grow = (axis: number, at: number): void => {
    if (at < box[axis]) box[axis] = at;
    if (at > box[axis + 3]) box[axis + 3] = at;
  };
  let lungCount = 0;

  for (let k = 0; k < nz; k++) {
    const w = f.w(k);
    const sB = bodyScale(a, w);
    const sC = cavityScale(a, w);
    boundaryNoise.slice(k, nb, 4);
    texCoarse.slice(k, t1, 1);
    texFine.slice(k, t2, 1);
    // Heart cross-section at this height.
    const hz = (w - h.w) / h.rw;
    const hScale = hz * hz < 1 ? Math.sqrt(1 - hz * hz) : 0;
    const hu = h.ru * hScale;
    const hv = h.rv * hScale;
    // Apex dome.
    const apexOn = w > a.wTaper;
    const apexT = apexOn ? (w - a.wTaper) / (a.wApex - a.wTaper) : 0;
    const apexS = apexT < 1 ? Math.sqrt(1 - apexT * apexT) : -1;
    // Vertebra: body or disc at this height.
    const vPhase = (((w + a.vertebraPhase) % a.vertebraPitch) + a.vertebraPitch) % a.vertebraPitch;
    const disc = vPhase < a.vertebraPitch * 0.2;
    const sternumOn = w < a.wApex - 25 && w > h.w - h.rw * 0.9;
    const base = k * plane;
    for (let j = 0; j < ny; j++) {
      const v = V[j];
      const row = base + j * nx;
      const medHalf = mediastinumHalfWidth(a, v, w);
      for (let i = 0; i < nx; i++) {
        const p = i + nx * j;
        const idx = row + i;
        const u = U[i];
        const r = R[p];
        const rb = sB * RB[p];
        let code: number;
        let hu2: number;
        if (r >= rb) {
          // Outside the body: air, or the table under the back.
          const top = a.bodyBack + 14 - 0.0011 * u * u;
          if (Math.abs(u) < 200 && v >= top && v < top + 10 + 2 * shell) {
            const d = v - top;
            code = T.Table;
            hu2 = d < shell || d >= 10 + shell ? 300 : -900;
          } else {
            code = T.Air;
            hu2 = -1000;
          }
        } else if (r >= rb - a.skin) {
          code = T.Skin;
          hu2 = 40;
        } else if (r >= rb - a.skin - FAT[p]) {
          code = T.Fat;
          hu2 = -100 + 10 * t2[p];
        } else {
          // Spine (vertebral body, canal, arch, spinous and transverse processes).
          const du = Math.abs(u);
          const dv = v - vb;
          let spine = -1;
          if (du < 48 && dv > -24 && dv < 60) {
            const eb = sq(du / 21) + sq(dv / 17);
            if (eb < 1) {
              spine = disc ? T.Cartilage : eb > 0.7 ? T.CorticalBone : T.CancellousBone;
            } else if (!disc) {
              const cd = Math.hypot(du, dv - 27);
              if (cd < 8.5) spine = T.SpinalCanal;
              else if (cd < 14 && dv > 14) spine = T.CorticalBone;
              else if (sq(du / 5) + sq((dv - 48) / 12) < 1) spine = T.CorticalBone;
              else if (sq((du - 27) / 13) + sq((dv - 25) / 5) < 1) spine = T.CorticalBone;
            }
          }
          if (spine >= 0) {
            code = spine;
            hu2 =
              spine === T.CorticalBone ? 750 + 120 * t2[p] : spine === T.CancellousBone ? 230 + 50 * t2[p] : spine === T.Cartilage ? 90 : 15;
          } else {
            const rc = sC * RC[p];
            if (r >= rc) {
              // Chest wall: sternum, ribs, costal cartilage, else muscle.
              const delta = r - rc;
              const phi = PHI[p];
              code = T.Muscle;
              hu2 = 45 + 6 * t2[p];
              if (sternumOn && v < 0 && du < 16 && delta > 0.5 && delta < 12) {
                const e = sq((delta - 6.25) / 5.75) + sq(du / 16);
                code = e > 0.55 ? T.CorticalBone : T.CancellousBone;
                hu2 = code === T.CorticalBone ? 650 + 80 * t2[p] : 200 + 40 * t2[p];
              } else if (delta > 0.5 && delta < 10 && phi > 0.2) {
                const wr0 = a.ribTop - FALL[p];
                const n = Math.round((wr0 - w) / a.ribPitch);
                if (n >= 0 && n < 12) {
                  const end = n < 7 ? 0.97 : n < 10 ? 0.86 : n === 10 ? 0.55 : 0.45;
                  const cart = n < 10 ? (n < 7 ? 0.78 : 0.7) : 9;
                  const fphi = phi / Math.PI;
                  if (fphi < end) {
                    const e = sq((w - (wr0 - n * a.ribPitch)) / 5.5) + sq((delta - 5) / 3.6);
                    if (e < 1) {
                      if (fphi > cart) {
                        code = T.Cartilage;
                        hu2 = 120;
                      } else {
                        code = e > 0.4 ? T.CorticalBone : T.CancellousBone;
                        hu2 = code === T.CorticalBone ? 800 + 100 * t2[p] : 260 + 50 * t2[p];
                      }
                    }
                  }
                }
              }
            } else {
              // Inside the thoracic cavity.
              const dh = u - h.u;
              const dvh = v - h.v;
              const ha = dh * ca + dvh * sa;
              const hb = -dh * sa + dvh * ca;
              const eh = hScale > 0.05 ? sq(ha / hu) + sq(hb / hv) : Infinity;
              const dia = diaphragm(a, u, v) + nb[p];
              const left = u > 0;
              if (eh < 1) {
                code = T.Heart;
                hu2 = 40 + 5 * t2[p];
              } else if (w < dia) {
                code = T.Abdomen;
                hu2 = (left ? 45 : 56) + 5 * t2[p];
              } else if (w > a.wApex + 6) {
                code = du < 30 ? T.MediastinalFat : T.Muscle;
                hu2 = code === T.Muscle ? 42 + 6 * t2[p] : -90 + 8 * t2[p];
              } else {
                let isLung =
                  r < rc - 1.5 + nb[p] &&
                  du > medHalf - 0.6 * nb[p] &&
                  eh > sq(1 + 5 / Math.max(hu, 1)) &&
                  sq(du / 27) + sq((v - vb) / 22) > 1 &&
                  !(du < 32 && v > vb);
                if (isLung && apexOn) {
                  if (apexS < 0) isLung = false;
                  else {
                    const lu = (u - (left ? 62 : -62)) / 72;
                    const lv = (v - 5) / 85;
                    isLung = lu * lu + lv * lv < apexS * apexS;
                  }
                }
                if (isLung) {
                  code = T.Lung;
                  const post = Math.min(1, Math.max(0, (v + a.bodyB * 0.7) / (lungSpan + a.bodyB * 0.7)));
                  hu2 = a.lungHu + 55 * (post - 0.5) + 28 * t1[p] + 16 * t2[p];
                  lung[idx] = 1;
                  lungCount++;
                  grow(0, i);
                  grow(1, j);
                  grow(2, k);
                } else {
                  code = T.MediastinalFat;
                  hu2 = -90 + 8 * t2[p];
                }
              }
            }
          }
        }
        tissue[idx] = code;
        ct[idx] = Math.round(hu2);
      }
    }
  }
  out.lungCount = lungCount;
  out.lungBox = box[3] < 0 ? [-1, -1, -1, -1, -1, -1] : box;
}
