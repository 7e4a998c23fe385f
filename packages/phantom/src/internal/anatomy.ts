import type { Rng } from '@raunet/core';
import type { Frame } from './frame.js';

/** x². */
export function sq(x: number): number {
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
export function mediastinumHalfWidth(a: Anatomy, v: number, w: number): number {
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
