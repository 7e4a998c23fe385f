import type { Rng } from '@raunet/core';
import { PhantomTissue as T } from '../tissue.js';
import type { Frame } from './frame.js';
import { ValueNoise3 } from './noise.js';

function sq(x: number): number {
  return x * x;
}

/** Random anatomy of one patient, in patient mm (see {@link Frame}). */
export interface Anatomy {
  bodyA: number;
  bodyB: number;
  bodyBack: number;
  exponent: number;
  harmonics: { m: number; a: number; phase: number }[];
  skin: number;
  fat0: number;
  fatPhase: number;
  muscle0: number;
  paraspinal: number;
  pectoral: number;
  bodyWobble: number;
  bodyWobblePhase: number;
  lungHeight: number;
  wApex: number;
  wBase: number;
  wTaper: number;
  domeRight: number;
  domeLeft: number;
  heart: { u: number; v: number; w: number; ru: number; rv: number; rw: number; angle: number };
  spineV: number;
  vertebraPitch: number;
  vertebraPhase: number;
  ribTop: number;
  ribPitch: number;
  ribDrop: number;
  wCarina: number;
  lungHu: number;
}

/** Whole-patient size used to fit the field of view (width x depth x lung height, mm). */
export function sampleAnatomy(rng: Rng, lungHu: number): Anatomy {
  const bodyA = rng.uniform(148, 178);
  const bodyB = rng.uniform(102, 124);
  const lungHeight = rng.uniform(215, 265);
  const wApex = lungHeight / 2;
  const wBase = -lungHeight / 2;
  const domeRight = rng.uniform(0.26, 0.32) * lungHeight;
  const domeLeft = domeRight - rng.uniform(10, 22);
  const bodyBack = bodyB * 0.95;
  const spineV = bodyBack - rng.uniform(72, 80);
  const hr = rng.uniform(0.9, 1.1);
  const heartRw = 55 * hr;
  const heart = {
    u: rng.uniform(12, 24),
    v: -rng.uniform(22, 34),
    w: wBase + domeLeft + heartRw * 0.55,
    ru: 62 * hr,
    rv: 48 * hr,
    rw: heartRw,
    angle: -rng.uniform(0.35, 0.6),
  };
  const ribTop = wApex - 8;
  return {
    bodyA,
    bodyB,
    bodyBack,
    exponent: rng.uniform(2.1, 2.6),
    harmonics: [2, 3, 4, 5].map((m) => ({ m, a: rng.normal(0, 0.012), phase: rng.uniform(0, 2 * Math.PI) })),
    skin: 2.5,
    fat0: rng.uniform(7, 22),
    fatPhase: rng.uniform(0, 2 * Math.PI),
    muscle0: rng.uniform(9, 14),
    paraspinal: rng.uniform(22, 30),
    pectoral: rng.uniform(6, 14),
    bodyWobble: rng.uniform(0.01, 0.035),
    bodyWobblePhase: rng.uniform(0, 2 * Math.PI),
    lungHeight,
    wApex,
    wBase,
    wTaper: wApex - 65,
    domeRight,
    domeLeft,
    heart,
    spineV,
    vertebraPitch: lungHeight / 10,
    vertebraPhase: rng.uniform(0, 30),
    ribTop,
    ribPitch: (ribTop - (wBase - 12)) / 11,
    ribDrop: lungHeight * rng.uniform(0.42, 0.52),
    wCarina: wApex - rng.uniform(85, 105),
    lungHu,
  };
}

/** Body outline radius (mm) in direction (cos θ, sin θ) = (u, v)/r, before the per-slice scale. */
export function bodyRadius(a: Anatomy, c: number, s: number): number {
  const B = s > 0 ? a.bodyBack : a.bodyB;
  const n = s > 0 ? a.exponent + 0.8 : a.exponent;
  let R = Math.pow(Math.pow(Math.abs(c) / a.bodyA, n) + Math.pow(Math.abs(s) / B, n), -1 / n);
  const theta = Math.atan2(s, c);
  let mod = 1;
  for (const h of a.harmonics) mod += h.a * Math.cos(h.m * theta + h.phase);
  R *= mod;
  return R;
}

/** Subcutaneous fat thickness (mm) in direction θ. */
export function fatThickness(a: Anatomy, c: number, s: number): number {
  const theta = Math.atan2(s, c);
  return a.fat0 * (0.75 + 0.35 * Math.abs(c) + 0.15 * Math.cos(2 * theta + a.fatPhase));
}

/** Chest-wall muscle thickness (mm) at angle φ from the posterior midline (0 back, π front). */
export function muscleThickness(a: Anatomy, phi: number): number {
  return a.muscle0 + a.paraspinal * Math.exp(-(sq(phi / 0.5))) + a.pectoral * Math.exp(-(sq((phi - 2.3) / 0.45)));
}

/** Per-slice body scale (slow wobble along w). */
export function bodyScale(a: Anatomy, w: number): number {
  return 1 + a.bodyWobble * Math.sin(w / 90 + a.bodyWobblePhase);
}

/** Per-slice thoracic cavity scale: the rib cage narrows towards the apex and the neck. */
export function cavityScale(a: Anatomy, w: number): number {
  const t = Math.min(1.6, Math.max(0, w / (a.lungHeight / 2)));
  return bodyScale(a, w) * (1 - 0.16 * t * t);
}

/** Height of the diaphragm surface (mm) under the point (u, v). */
export function diaphragm(a: Anatomy, u: number, v: number): number {
  const left = u > 0;
  const dome = left ? a.domeLeft : a.domeRight;
  const du = (u - (left ? 62 : -62)) / 88;
  const dv = (v + 20) / 105;
  const q = 1 - du * du - dv * dv;
  return a.wBase + dome * (q > 0 ? q : 0);
}

/** Mediastinal half-width (mm) at depth v: the narrow anterior junction, widening smoothly behind. */
function mediastinumHalfWidth(a: Anatomy, v: number, w: number): number {
  const t = Math.min(1, Math.max(0, (v + 70) / 60));
  const s = t * t * (3 - 2 * t);
  const upper = w > a.wCarina - 10 ? 6 : 0;
  const back = v > a.spineV - 30 ? Math.min(8, (v - (a.spineV - 30)) * 0.4) : 0;
  return 10 + 14 * s + upper + back;
}

/** 2D maps of the axial plane (shared by every slice). */
export interface PlaneMaps {
  r: Float32Array;
  rBody: Float32Array;
  fat: Float32Array;
  rCavity: Float32Array;
  phi: Float32Array;
  /** How far (mm) a rib has descended at this angle: `ribDrop * (φ / π)^1.1`. */
  ribFall: Float32Array;
}

export function planeMaps(a: Anatomy, f: Frame): PlaneMaps {
  const n = f.nx * f.ny;
  const maps: PlaneMaps = {
    r: new Float32Array(n),
    rBody: new Float32Array(n),
    fat: new Float32Array(n),
    rCavity: new Float32Array(n),
    phi: new Float32Array(n),
    ribFall: new Float32Array(n),
  };
  for (let j = 0; j < f.ny; j++) {
    const v = f.v(j);
    for (let i = 0; i < f.nx; i++) {
      const u = f.u(i);
      const p = i + f.nx * j;
      const r = Math.hypot(u, v);
      const c = r > 0 ? u / r : 1;
      const s = r > 0 ? v / r : 0;
      const phi = Math.atan2(Math.abs(u), v);
      const rb = bodyRadius(a, c, s);
      const fat = fatThickness(a, c, s);
      maps.r[p] = r;
      maps.rBody[p] = rb;
      maps.fat[p] = fat;
      maps.rCavity[p] = rb - a.skin - fat - muscleThickness(a, phi);
      maps.phi[p] = phi;
      maps.ribFall[p] = a.ribDrop * Math.pow(phi / Math.PI, 1.1);
    }
  }
  return maps;
}

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
  let i0 = nx;
  let j0 = ny;
  let k0 = nz;
  let i1 = -1;
  let j1 = -1;
  let k1 = -1;
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
                  if (i < i0) i0 = i;
                  if (i > i1) i1 = i;
                  if (j < j0) j0 = j;
                  if (j > j1) j1 = j;
                  if (k < k0) k0 = k;
                  if (k > k1) k1 = k;
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
  out.lungBox = i1 < 0 ? [-1, -1, -1, -1, -1, -1] : [i0, j0, k0, i1, j1, k1];
}
