import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cellPolygons, surfelAreaTable } from './surfel-table.js';

/** Code of a set of cell corners given as (i, j, k) triples. */
const code = (...corners: [number, number, number][]): number =>
  corners.reduce((c, [i, j, k]) => c | (1 << (i + 2 * j + 4 * k)), 0);

const spacingArb = fc.tuple(
  fc.double({ min: 0.1, max: 6, noNaN: true }),
  fc.double({ min: 0.1, max: 6, noNaN: true }),
  fc.double({ min: 0.1, max: 6, noNaN: true }),
);

describe('surfel area table (areas worked out by hand)', () => {
  it('codes 0 and 255 are off the surface; every other code has an area', () => {
    const t = surfelAreaTable(1, 1, 1);
    expect(t[0]).toBe(0);
    expect(t[255]).toBe(0);
    for (let c = 1; c < 255; c++) expect(t[c]).toBeGreaterThan(0);
  });

  it('one corner: the triangle through three edge midpoints, (1/8)·|(sy·sz, sx·sz, sx·sy)|', () => {
    expect(surfelAreaTable(1, 1, 1)[code([0, 0, 0])]).toBeCloseTo(Math.sqrt(3) / 8, 14);
    const [sx, sy, sz] = [0.6, 0.8, 2.5];
    const expected = Math.hypot(sy * sz, sx * sz, sx * sy) / 8;
    const t = surfelAreaTable(sx, sy, sz);
    for (let b = 0; b < 8; b++) expect(t[1 << b]).toBeCloseTo(expected, 14);
  });

  it('two corners along x: a rectangle sx long and |(sy, sz)|/2 wide', () => {
    const [sx, sy, sz] = [0.6, 0.8, 2.5];
    expect(surfelAreaTable(sx, sy, sz)[code([0, 0, 0], [1, 0, 0])]).toBeCloseTo(
      (sx * Math.hypot(sy, sz)) / 2,
      14,
    );
    expect(surfelAreaTable(sx, sy, sz)[code([0, 1, 1], [0, 1, 0])]).toBeCloseTo(
      (sz * Math.hypot(sx, sy)) / 2,
      14,
    );
  });

  it('a face of four corners: a flat square of the face size, by orientation', () => {
    const [sx, sy, sz] = [0.6, 0.8, 2.5];
    const t = surfelAreaTable(sx, sy, sz);
    expect(t[code([0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0])]).toBeCloseTo(sx * sy, 14);
    expect(t[code([0, 0, 1], [1, 0, 1], [0, 0, 0], [1, 0, 0])]).toBeCloseTo(sx * sz, 14);
    expect(t[code([1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1])]).toBeCloseTo(sy * sz, 14);
  });

  it('a corner with its three neighbours: a flat regular hexagon of area 3·√3/4', () => {
    expect(surfelAreaTable(1, 1, 1)[code([0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1])]).toBeCloseTo(
      (3 * Math.sqrt(3)) / 4,
      14,
    );
  });

  it('three corners of a face: the pentagon split into its largest triangles, 1/2 + √3/4 + √3/8', () => {
    const c = code([0, 0, 0], [1, 0, 0], [0, 1, 0]);
    expect(cellPolygons(c).map((p) => p.length)).toEqual([5]);
    expect(surfelAreaTable(1, 1, 1)[c]).toBeCloseTo(0.5 + Math.sqrt(3) / 4 + Math.sqrt(3) / 8, 14);
  });

  it('a chain of four corners along x, y, z: the twisted hexagon, √2/2 + √3/2', () => {
    const c = code([0, 0, 0], [1, 0, 0], [1, 1, 0], [1, 1, 1]);
    expect(cellPolygons(c).map((p) => p.length)).toEqual([6]);
    expect(surfelAreaTable(1, 1, 1)[c]).toBeCloseTo(Math.SQRT2 / 2 + Math.sqrt(3) / 2, 14);
  });

  it('diagonal corners of a face stay apart (two triangles), and so do the background ones of the complement', () => {
    const c = code([0, 0, 0], [1, 1, 0]);
    expect(cellPolygons(c).map((p) => p.length)).toEqual([3, 3]);
    expect(cellPolygons(255 - c).map((p) => p.length)).toEqual([3, 3]);
    expect(surfelAreaTable(1, 1, 1)[c]).toBeCloseTo(Math.sqrt(3) / 4, 14);
  });

  it('a code and its complement have the same area at any spacing', () => {
    fc.assert(
      fc.property(spacingArb, ([sx, sy, sz]) => {
        const t = surfelAreaTable(sx, sy, sz);
        for (let c = 0; c < 256; c++) expect(t[255 - c]).toBeCloseTo(t[c], 12);
      }),
      { numRuns: 30 },
    );
  });

  it('scales with the spacing: all spacings times k multiply every area by k²', () => {
    const a = surfelAreaTable(0.7, 1.1, 2.9);
    const b = surfelAreaTable(0.7 * 3, 1.1 * 3, 2.9 * 3);
    for (let c = 0; c < 256; c++) expect(b[c]).toBeCloseTo(9 * a[c], 10);
  });
});
