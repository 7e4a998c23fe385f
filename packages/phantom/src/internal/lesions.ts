import type { Rng } from '@raunet/core';
import { PhantomTissue as T } from '../tissue.js';
import type { Anatomy, PlaneMaps } from './anatomy.js';
import { cavityScale } from './anatomy.js';
import type { Frame } from './frame.js';
import { ValueNoise3 } from './noise.js';

/** What one drawn lesion turned out to be (voxel units; the public descriptor adds world mm). */
export interface DrawnLesion {
  kind: 'ground-glass' | 'consolidation' | 'mixed';
  side: 'left' | 'right';
  seedVoxel: [number, number, number];
  radiusMm: number;
  voxels: number;
  centroidVoxel: [number, number, number];
  meanHu: number;
  targetHu: number;
  peripheral: number;
  posterior: number;
}

/** Lesion settings after validation. */
export interface LesionSettings {
  count: number;
  radiusMm: [number, number];
  consolidationProbability: number;
  mixedProbability: number;
  maxInfectionFraction: number;
}

interface Ellipsoid {
  c: [number, number, number];
  /** Rows of the inverse-radius rotation: q = |M (p - c)|². */
  m: number[];
}

function randomRotation(rng: Rng): number[] {
  // Random unit quaternion -> rotation matrix (row-major 3x3).
  const u1 = rng.uniform();
  const u2 = rng.uniform(0, 2 * Math.PI);
  const u3 = rng.uniform(0, 2 * Math.PI);
  const a = Math.sqrt(1 - u1);
  const b = Math.sqrt(u1);
  const [x, y, z, w] = [a * Math.sin(u2), a * Math.cos(u2), b * Math.sin(u3), b * Math.cos(u3)];
  return [
    1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
    2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
    2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y),
  ];
}

function ellipsoid(rng: Rng, c: [number, number, number], radii: [number, number, number]): Ellipsoid {
  const rot = randomRotation(rng);
  const m: number[] = [];
  for (let r = 0; r < 3; r++) for (let col = 0; col < 3; col++) m.push(rot[r * 3 + col] / radii[r]);
  return { c, m };
}

/**
 * Places and draws lesions: ground-glass opacities and consolidations, irregular (a union of rotated
 * ellipsoids whose boundary is displaced by smooth noise, which also opens holes), drawn only over lung
 * parenchyma, centres drawn preferably peripheral, posterior and basal. A lesion that would push the
 * infected fraction of the lung above the cap is shrunk (up to three times) or dropped.
 */
export function drawLesions(
  a: Anatomy,
  f: Frame,
  maps: PlaneMaps,
  rng: Rng,
  settings: LesionSettings,
  lungBox: number[],
  lungCount: number,
  ct: Int16Array,
  tissue: Uint8Array,
  lung: Uint8Array,
  infection: Uint8Array,
): DrawnLesion[] {
  const { nx, ny, nz } = f;
  const out: DrawnLesion[] = [];
  if (settings.count <= 0 || lungCount === 0) return out;
  const [bi0, bj0, bk0, bi1, bj1, bk1] = lungBox;
  let infected = 0;
  const cap = settings.maxInfectionFraction * lungCount;
  const vb = a.spineV;
  for (let n = 0; n < settings.count; n++) {
    // Centre: rejection sampling towards peripheral, posterior, lower lung.
    let seed: [number, number, number] | undefined;
    let periph = 0;
    let post = 0;
    const uniformPick = rng.chance(0.1);
    for (let attempt = 0; attempt < 400 && !seed; attempt++) {
      const i = rng.int(bi0, bi1 + 1);
      const j = rng.int(bj0, bj1 + 1);
      const k = rng.int(bk0, bk1 + 1);
      const idx = i + nx * (j + ny * k);
      if (lung[idx] !== 1 || tissue[idx] !== T.Lung) continue;
      const p = i + nx * j;
      const w = f.w(k);
      const rc = cavityScale(a, w) * maps.rCavity[p];
      const pe = Math.min(1, maps.r[p] / Math.max(rc, 1));
      const po = Math.min(1, Math.max(0, (f.v(j) + a.bodyB * 0.6) / (a.bodyB * 0.6 + vb + 20)));
      const low = Math.min(1, Math.max(0, (a.wApex - w) / a.lungHeight));
      const weight = uniformPick ? 1 : Math.pow(pe, 6) * (0.08 + 0.92 * po * po * po) * (0.5 + 0.5 * low);
      if (rng.uniform() < weight) {
        seed = [i, j, k];
        periph = pe;
        post = po;
      }
    }
    if (!seed) continue;
    const pick = rng.uniform();
    const kind: DrawnLesion['kind'] =
      pick < settings.consolidationProbability ? 'consolidation' : pick < settings.consolidationProbability + settings.mixedProbability ? 'mixed' : 'ground-glass';
    const [rMin, rMax] = settings.radiusMm;
    let radius = Math.max(Math.exp(rng.uniform(Math.log(rMin), Math.log(rMax))), 0.8 * Math.max(f.au, f.av, f.aw));
    const targetHu = kind === 'consolidation' ? rng.uniform(-80, 35) : rng.uniform(-640, -360);
    // Mixed lesions: a consolidated core (normalized shape value below `coreLevel`) in a ground-glass rim.
    const coreHu = rng.uniform(-80, 35);
    const coreLevel = rng.uniform(0.4, 0.65);
    const su = f.u(seed[0]);
    const sv = f.v(seed[1]);
    const sw = f.w(seed[2]);
    // Shape: main ellipsoid + satellites (in units of radius, rescaled on retry).
    const shapeRng = rng.state;
    for (let tryN = 0; tryN < 4; tryN++) {
      rng.state = shapeRng;
      const parts: Ellipsoid[] = [ellipsoid(rng, [su, sv, sw], [radius * rng.uniform(0.7, 1.25), radius * rng.uniform(0.7, 1.25), radius * rng.uniform(0.6, 1.1)])];
      const satellites = rng.int(0, 4);
      for (let s = 0; s < satellites; s++) {
        const dir = [rng.normal(), rng.normal(), rng.normal()];
        const dn = Math.hypot(dir[0], dir[1], dir[2]) || 1;
        const dist = radius * rng.uniform(0.5, 0.95);
        const c: [number, number, number] = [su + (dir[0] / dn) * dist, sv + (dir[1] / dn) * dist, sw + (dir[2] / dn) * dist];
        parts.push(ellipsoid(rng, c, [radius * rng.uniform(0.35, 0.7), radius * rng.uniform(0.35, 0.7), radius * rng.uniform(0.35, 0.7)]));
      }
      const reach = radius * 1.9;
      const ia = Math.max(0, Math.ceil(f.i(su - reach)));
      const ib = Math.min(nx - 1, Math.floor(f.i(su + reach)));
      const ja = Math.max(0, Math.ceil(f.j(sv - reach)));
      const jb = Math.min(ny - 1, Math.floor(f.j(sv + reach)));
      const ka = Math.max(0, Math.ceil(f.k(sw - reach)));
      const kb = Math.min(nz - 1, Math.floor(f.k(sw + reach)));
      const bx = ib - ia + 1;
      const by = jb - ja + 1;
      const bz = kb - ka + 1;
      const shapeCell = Math.max(radius * 0.5, 1.2 * Math.max(f.au, f.av, f.aw));
      const shapeNoise = new ValueNoise3([bx, by, bz], [shapeCell / f.au, shapeCell / f.av, shapeCell / f.aw], rng);
      const texCell = Math.max(3, 1.5 * Math.max(f.au, f.av, f.aw));
      const texNoise = new ValueNoise3([bx, by, bz], [texCell / f.au, texCell / f.av, texCell / f.aw], rng);
      const written = new Int32Array(bx * by * bz);
      const previous = new Int16Array(bx * by * bz);
      let count = 0;
      let sumI = 0;
      let sumJ = 0;
      let sumK = 0;
      let sumHu = 0;
      for (let k = ka; k <= kb; k++) {
        const w = f.w(k);
        for (let j = ja; j <= jb; j++) {
          const v = f.v(j);
          const row = nx * (j + ny * k);
          for (let i = ia; i <= ib; i++) {
            const idx = row + i;
            if (lung[idx] !== 1 || tissue[idx] !== T.Lung) continue;
            const u = f.u(i);
            let q = Infinity;
            for (const e of parts) {
              const x = u - e.c[0];
              const y = v - e.c[1];
              const z = w - e.c[2];
              const m = e.m;
              const a0 = m[0] * x + m[1] * y + m[2] * z;
              const a1 = m[3] * x + m[4] * y + m[5] * z;
              const a2 = m[6] * x + m[7] * y + m[8] * z;
              const qq = a0 * a0 + a1 * a1 + a2 * a2;
              if (qq < q) q = qq;
            }
            if (q > 2.6) continue;
            const fval = Math.sqrt(q) + 0.5 * shapeNoise.at(i - ia, j - ja, k - ka);
            if (fval >= 1) continue;
            const core = kind === 'consolidation' || (kind === 'mixed' && fval < coreLevel);
            const code = core ? T.Consolidation : T.GroundGlass;
            let hu = core ? (kind === 'mixed' ? coreHu : targetHu) + 15 * texNoise.at(i - ia, j - ja, k - ka) : targetHu + 45 * texNoise.at(i - ia, j - ja, k - ka);
            if (!core && fval > 0.8) hu += (ct[idx] - hu) * 0.5 * ((fval - 0.8) / 0.2);
            const h = Math.round(hu);
            previous[count] = ct[idx];
            written[count] = idx;
            count++;
            ct[idx] = h;
            tissue[idx] = code;
            infection[idx] = 1;
            sumI += i;
            sumJ += j;
            sumK += k;
            sumHu += h;
          }
        }
      }
      if (count > 0 && infected + count <= cap) {
        infected += count;
        out.push({
          kind,
          side: su > 0 ? 'left' : 'right',
          seedVoxel: seed,
          radiusMm: radius,
          voxels: count,
          centroidVoxel: [sumI / count, sumJ / count, sumK / count],
          meanHu: sumHu / count,
          targetHu,
          peripheral: periph,
          posterior: post,
        });
        break;
      }
      for (let c = 0; c < count; c++) {
        const idx = written[c];
        ct[idx] = previous[c];
        tissue[idx] = T.Lung;
        infection[idx] = 0;
      }
      if (count === 0) break;
      radius *= 0.6;
    }
  }
  return out;
}
