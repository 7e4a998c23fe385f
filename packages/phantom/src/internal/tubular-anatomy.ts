import type { Rng } from '@raunet/core';
import { PhantomTissue as T } from '../tissue.js';
import type { Anatomy } from './anatomy.js';
import type { BaseVolumes } from './draw-anatomy.js';
import type { Frame } from './frame.js';
import { bit, drawTubes, growTree, polyline } from './tubes.js';
import type { Segment, TreeOptions, TubeStyle } from './tubes.js';

type Vec = [number, number, number];

/** Where the central tubes end and the trees start (mm, patient frame), and the two tube styles. */
interface Hilum {
  rightBronchus: Vec;
  leftBronchus: Vec;
  leftPA: Vec;
  rightPA: Vec;
  leftVein: Vec;
  rightVein: Vec;
  vessel: TubeStyle;
  airway: TubeStyle;
}

function hilum(a: Anatomy): Hilum {
  const h = a.heart;
  const vb = a.spineV;
  const wc = a.wCarina;
  const over = bit(T.MediastinalFat, T.Muscle, T.Lung, T.Heart);
  return {
    rightBronchus: [-46, vb - 30, wc - 22],
    leftBronchus: [50, vb - 27, wc - 40],
    leftPA: [44, vb - 45, wc - 22],
    rightPA: [-42, vb - 50, wc - 28],
    leftVein: [36, h.v - 8, h.w + h.rw * 0.45],
    rightVein: [-34, h.v - 5, h.w + h.rw * 0.35],
    vessel: { innerTissue: T.Vessel, innerHu: 40, innerOver: over, wallFraction: 0, wallMin: 0, wallTissue: 0, wallHu: 0, wallOver: 0, clearLung: true },
    airway: {
      innerTissue: T.AirwayLumen,
      innerHu: -990,
      innerOver: over | bit(T.AirwayWall, T.Vessel),
      wallFraction: 0.22,
      wallMin: 1.4,
      wallTissue: T.AirwayWall,
      wallHu: -40,
      wallOver: over | bit(T.Vessel),
      clearLung: true,
    },
  };
}

/**
 * Draws the central tubes before the lesions: trachea and main bronchi, aorta, pulmonary trunk and main
 * pulmonary arteries (no randomness).
 */
export function drawCentralTubes(a: Anatomy, f: Frame, base: BaseVolumes): void {
  const { ct, tissue, lung } = base;
  const h = a.heart;
  const vb = a.spineV;
  const wc = a.wCarina;
  const wTop = f.w(f.nz - 1) + 30;
  const { rightBronchus, leftBronchus, leftPA, rightPA, vessel, airway } = hilum(a);
  drawTubes(f, polyline([[0, vb - 38, wTop], [0, vb - 36, wc]], 8.5), airway, ct, tissue, lung);
  drawTubes(f, [...polyline([[0, vb - 36, wc], rightBronchus], 6.5), ...polyline([[0, vb - 36, wc], leftBronchus], 5.8)], airway, ct, tissue, lung);
  const aorta: Segment[] = [
    ...polyline(
      [
        [h.u - 30, h.v - 8, h.w + h.rw * 0.3],
        [-4, -30, wc + 12],
        [8, vb - 45, wc + 26],
        [20, vb - 18, wc + 18],
        [22, vb - 15, wc],
        [17, vb - 10, a.wBase - 60],
      ],
      12.5,
    ),
  ];
  drawTubes(f, aorta, vessel, ct, tissue, lung);
  const trunkTop: Vec = [6, -18, wc - 18];
  drawTubes(f, polyline([[h.u, h.v - 30, h.w + h.rw * 0.55], trunkTop], 13), vessel, ct, tissue, lung);
  drawTubes(f, [...polyline([trunkTop, leftPA], 10), ...polyline([trunkTop, rightPA], 10)], vessel, ct, tissue, lung);
}

/**
 * Draws, after the lesions, random branching trees of arteries, veins and airways inside each lung,
 * from the hilum outwards, down to radii that `minVoxel` (the smallest voxel size, mm) can show.
 */
export function drawTubeTrees(a: Anatomy, f: Frame, rng: Rng, base: BaseVolumes, minVoxel: number): void {
  const { ct, tissue, lung } = base;
  const { rightBronchus, leftBronchus, leftPA, rightPA, leftVein, rightVein, vessel, airway } = hilum(a);
  const inside = (u: number, v: number, w: number): boolean => {
    const idx = f.index(u, v, w);
    return idx >= 0 && lung[idx] === 1;
  };
  const treeOptions = (radius: number, length: number, minRadius: number): TreeOptions => ({
    radius,
    length,
    minRadius,
    maxGenerations: 13,
    major: 0.88,
    minor: 0.7,
    maxSegments: 700,
  });
  const minVessel = Math.max(0.55, 0.3 * minVoxel);
  const minAirway = Math.max(0.9, 0.45 * minVoxel);
  const parenchyma = bit(T.Lung, T.GroundGlass, T.Consolidation, T.MediastinalFat);
  const vesselStyle = { ...vessel, innerOver: parenchyma, clearLung: false };
  const airwayStyle = {
    ...airway,
    innerOver: parenchyma | bit(T.Vessel, T.AirwayWall),
    wallOver: parenchyma,
    clearLung: false,
  };
  for (const side of [-1, 1]) {
    const pa = side > 0 ? leftPA : rightPA;
    const pv = side > 0 ? leftVein : rightVein;
    const br = side > 0 ? leftBronchus : rightBronchus;
    // Fixed main directions (upper, lateral, lower lobes) plus random ones to fill the lung.
    const arteries: Vec[] = [
      [0.5 * side, 0.2, 0.85],
      [0.9 * side, -0.3, 0.0],
      [0.55 * side, 0.55, -0.6],
      [0.4 * side, -0.4, -0.8],
    ];
    const veins: Vec[] = [
      [0.8 * side, 0.2, -0.5],
      [0.7 * side, 0.1, 0.6],
      [0.9 * side, 0.5, -0.1],
    ];
    for (let n = 0; n < 4; n++) {
      arteries.push([side * rng.uniform(0.3, 1), rng.uniform(-0.7, 0.7), rng.uniform(-0.9, 0.9)]);
      veins.push([side * rng.uniform(0.3, 1), rng.uniform(-0.5, 0.8), rng.uniform(-0.9, 0.5)]);
    }
    const bronchi: Vec[] = [
      [0.4 * side, 0.1, 0.9],
      [0.8 * side, -0.3, -0.3],
      [0.45 * side, 0.45, -0.75],
    ];
    const segments: Segment[] = [];
    for (const [n, d] of arteries.entries()) segments.push(...growTree(rng, pa, d, treeOptions(n < 4 ? 5.2 : 3.6, n < 4 ? 26 : 20, minVessel), inside));
    for (const [n, d] of veins.entries()) segments.push(...growTree(rng, pv, d, treeOptions(n < 3 ? 5.0 : 3.4, n < 3 ? 26 : 20, minVessel), inside));
    drawTubes(f, segments, vesselStyle, ct, tissue, lung);
    const airways: Segment[] = [];
    for (const d of bronchi) airways.push(...growTree(rng, br, d, { ...treeOptions(4.2, 22, minAirway), maxGenerations: 8 }, inside));
    drawTubes(f, airways, airwayStyle, ct, tissue, lung);
  }
}
