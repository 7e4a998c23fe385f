import type { Rng } from '@raunet/core';
import type { Frame } from './frame.js';

/** A tapered capsule between two patient-frame points (mm). */
export interface Segment {
  a: [number, number, number];
  b: [number, number, number];
  ra: number;
  rb: number;
}

type Vec = [number, number, number];

function normalize(d: Vec): Vec {
  const n = Math.hypot(d[0], d[1], d[2]) || 1;
  return [d[0] / n, d[1] / n, d[2] / n];
}

/** A direction at angle `angle` from `d`, turned by `turn` around it. */
function deviate(d: Vec, angle: number, turn: number): Vec {
  const helper: Vec = Math.abs(d[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const e1 = normalize([d[1] * helper[2] - d[2] * helper[1], d[2] * helper[0] - d[0] * helper[2], d[0] * helper[1] - d[1] * helper[0]]);
  const e2: Vec = [d[1] * e1[2] - d[2] * e1[1], d[2] * e1[0] - d[0] * e1[2], d[0] * e1[1] - d[1] * e1[0]];
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const ct = Math.cos(turn);
  const st = Math.sin(turn);
  return normalize([
    c * d[0] + s * (ct * e1[0] + st * e2[0]),
    c * d[1] + s * (ct * e1[1] + st * e2[1]),
    c * d[2] + s * (ct * e1[2] + st * e2[2]),
  ]);
}

/** Parameters of a branching tree. */
export interface TreeOptions {
  /** Radius of the root segment, mm. */
  radius: number;
  /** Length of the root segment, mm. */
  length: number;
  /** Smallest radius drawn, mm. */
  minRadius: number;
  /** Most generations. */
  maxGenerations: number;
  /** Radius ratio major / minor child. */
  major: number;
  minor: number;
  /** Most segments in the tree. */
  maxSegments: number;
}

/**
 * Grows a bifurcating tree from `root` along `direction` inside the region where `inside(u, v, w)`
 * holds (the lung mask): each branch ends at a point inside, else it tries other directions and, failing
 * that, stops. Children diverge 15-60 degrees, radii shrink by `major`/`minor`, lengths about 0.8.
 */
export function growTree(
  rng: Rng,
  root: Vec,
  direction: Vec,
  options: TreeOptions,
  inside: (u: number, v: number, w: number) => boolean,
): Segment[] {
  const out: Segment[] = [];
  const stack: { p: Vec; d: Vec; r: number; len: number; gen: number }[] = [
    { p: root, d: normalize(direction), r: options.radius, len: options.length, gen: 0 },
  ];
  while (stack.length > 0 && out.length < options.maxSegments) {
    const node = stack.pop()!;
    let end: Vec | undefined;
    let dir = node.d;
    for (let attempt = 0; attempt < 6; attempt++) {
      const d = attempt === 0 ? dir : deviate(node.d, rng.uniform(0.3, 0.9), rng.uniform(0, 2 * Math.PI));
      const len = node.len * rng.uniform(0.8, 1.15);
      const q: Vec = [node.p[0] + d[0] * len, node.p[1] + d[1] * len, node.p[2] + d[2] * len];
      const m: Vec = [(node.p[0] + q[0]) / 2, (node.p[1] + q[1]) / 2, (node.p[2] + q[2]) / 2];
      if (inside(q[0], q[1], q[2]) && (node.gen === 0 || inside(m[0], m[1], m[2]))) {
        end = q;
        dir = d;
        break;
      }
    }
    if (!end) continue;
    const rEnd = node.r * 0.92;
    out.push({ a: node.p, b: end, ra: node.r, rb: rEnd });
    if (node.gen + 1 >= options.maxGenerations) continue;
    const turn = rng.uniform(0, 2 * Math.PI);
    const children: [number, number][] = [
      [options.major, rng.uniform(0.2, 0.45)],
      [options.minor, rng.uniform(0.55, 1.0)],
    ];
    for (let c = 0; c < children.length; c++) {
      const [ratio, angle] = children[c];
      const r = rEnd * ratio * rng.uniform(0.92, 1.08);
      if (r < options.minRadius) continue;
      const d = deviate(dir, angle, turn + c * Math.PI);
      stack.push({ p: end, d, r, len: Math.max(node.len * rng.uniform(0.72, 0.9), 3 * r), gen: node.gen + 1 });
    }
  }
  return out;
}

/** What a tube writes: an inner core and an optional wall shell, each only over allowed tissues. */
export interface TubeStyle {
  innerTissue: number;
  innerHu: number;
  /** Bitmask of tissue codes the core may overwrite. */
  innerOver: number;
  /** Wall thickness as a fraction of the radius, and its minimum in mm; 0 for no wall. */
  wallFraction: number;
  wallMin: number;
  wallTissue: number;
  wallHu: number;
  wallOver: number;
  /** Clear the lung mask where the tube writes (extrapulmonary structures). */
  clearLung: boolean;
}

/** Bit of a tissue code in a `TubeStyle` mask. */
export function bit(...codes: number[]): number {
  let m = 0;
  for (const c of codes) m |= 1 << c;
  return m;
}

/** Rasterizes tapered capsules into the volumes, each over its own bounding box. */
export function drawTubes(f: Frame, segments: readonly Segment[], style: TubeStyle, ct: Int16Array, tissue: Uint8Array, lung: Uint8Array): void {
  const { nx, ny, nz } = f;
  for (const s of segments) {
    const wallR = (r: number): number => (style.wallFraction > 0 ? Math.max(style.wallMin, r * style.wallFraction) : 0);
    const rOut = Math.max(s.ra + wallR(s.ra), s.rb + wallR(s.rb));
    const lo = [Math.min(s.a[0], s.b[0]) - rOut, Math.min(s.a[1], s.b[1]) - rOut, Math.min(s.a[2], s.b[2]) - rOut];
    const hi = [Math.max(s.a[0], s.b[0]) + rOut, Math.max(s.a[1], s.b[1]) + rOut, Math.max(s.a[2], s.b[2]) + rOut];
    const ia = Math.max(0, Math.ceil(f.i(lo[0])));
    const ib = Math.min(nx - 1, Math.floor(f.i(hi[0])));
    const ja = Math.max(0, Math.ceil(f.j(lo[1])));
    const jb = Math.min(ny - 1, Math.floor(f.j(hi[1])));
    const ka = Math.max(0, Math.ceil(f.k(lo[2])));
    const kb = Math.min(nz - 1, Math.floor(f.k(hi[2])));
    if (ia > ib || ja > jb || ka > kb) continue;
    const dx = s.b[0] - s.a[0];
    const dy = s.b[1] - s.a[1];
    const dz = s.b[2] - s.a[2];
    const len2 = dx * dx + dy * dy + dz * dz || 1;
    for (let k = ka; k <= kb; k++) {
      const pz = f.w(k) - s.a[2];
      for (let j = ja; j <= jb; j++) {
        const py = f.v(j) - s.a[1];
        const row = nx * (j + ny * k);
        for (let i = ia; i <= ib; i++) {
          const px = f.u(i) - s.a[0];
          let t = (px * dx + py * dy + pz * dz) / len2;
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          const ex = px - t * dx;
          const ey = py - t * dy;
          const ez = pz - t * dz;
          const d2 = ex * ex + ey * ey + ez * ez;
          const r = s.ra + t * (s.rb - s.ra);
          const idx = row + i;
          const code = tissue[idx];
          if (d2 < r * r) {
            if ((style.innerOver >> code) & 1) {
              tissue[idx] = style.innerTissue;
              ct[idx] = style.innerHu;
              if (style.clearLung) lung[idx] = 0;
            }
          } else if (style.wallFraction > 0) {
            const rw = r + wallR(r);
            if (d2 < rw * rw && (style.wallOver >> code) & 1) {
              tissue[idx] = style.wallTissue;
              ct[idx] = style.wallHu;
              if (style.clearLung) lung[idx] = 0;
            }
          }
        }
      }
    }
  }
}

/** A polyline as capsules of constant radius. */
export function polyline(points: Vec[], radius: number): Segment[] {
  const out: Segment[] = [];
  for (let n = 0; n + 1 < points.length; n++) out.push({ a: points[n], b: points[n + 1], ra: radius, rb: radius });
  return out;
}
