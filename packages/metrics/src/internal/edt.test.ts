import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bruteSquaredEdt, type Dims } from '../__fixtures__/reference.js';
import { squaredEdt3d } from './edt.js';

const maskArb = fc
  .record({
    dims: fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 6 })),
    spacing: fc.tuple(
      fc.double({ min: 0.1, max: 6, noNaN: true }),
      fc.double({ min: 0.1, max: 6, noNaN: true }),
      fc.double({ min: 0.1, max: 6, noNaN: true }),
    ),
    density: fc.double({ min: 0, max: 0.5, noNaN: true }),
    seed: fc.integer(),
  })
  .map(({ dims, spacing, density, seed }) => {
    const n = dims[0] * dims[1] * dims[2];
    const m = new Uint8Array(n);
    let s = seed >>> 0 || 1;
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      m[i] = s / 4294967296 < density ? 1 : 0;
    }
    return { m, dims: dims, spacing: spacing };
  });

describe('squaredEdt3d (Felzenszwalb-Huttenlocher with spacing)', () => {
  it('equals a brute-force EDT on random masks with random anisotropic spacing', () => {
    fc.assert(
      fc.property(maskArb, ({ m, dims, spacing }) => {
        const got = squaredEdt3d(m, ...dims, ...spacing);
        const want = bruteSquaredEdt(m, dims, spacing);
        for (let i = 0; i < want.length; i++) {
          if (want[i] === Infinity) expect(got[i]).toBe(Infinity);
          else expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-9 * Math.max(1, want[i]));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('with a query bit, is exact at the query points (lines without queries skipped)', () => {
    fc.assert(
      fc.property(
        maskArb,
        fc.integer({ min: 17, max: 40 }),
        fc.integer(),
        ({ spacing }, nx, seed) => {
          const dims: Dims = [nx, 5, 4];
          const n = nx * 20;
          const m = new Uint8Array(n);
          let s = seed >>> 0 || 7;
          for (let i = 0; i < n; i++) {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            const r = s / 4294967296;
            m[i] = (r < 0.08 ? 1 : 0) | (r > 0.97 ? 2 : 0); // bit 1 features, bit 2 queries
          }
          const got = squaredEdt3d(m, ...dims, ...spacing, undefined, 1, 2);
          const want = bruteSquaredEdt(Uint8Array.from(m, (x) => x & 1), dims, spacing);
          for (let i = 0; i < n; i++) {
            if (!(m[i] & 2)) continue;
            if (want[i] === Infinity) expect(got[i]).toBe(Infinity);
            else expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-9 * Math.max(1, want[i]));
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('gives hand-known distances along each axis with spacing [0.5, 2, 5]', () => {
    const dims: Dims = [5, 4, 3];
    const m = new Uint8Array(60);
    m[0] = 1; // voxel (0,0,0)
    const d = squaredEdt3d(m, ...dims, 0.5, 2, 5);
    expect(d[4]).toBeCloseTo(2 ** 2, 12); // (4,0,0): 4 * 0.5 mm
    expect(d[5 * 3]).toBeCloseTo(6 ** 2, 12); // (0,3,0): 3 * 2 mm
    expect(d[20 * 2]).toBeCloseTo(10 ** 2, 12); // (0,0,2): 2 * 5 mm
    expect(d[4 + 5 * 3 + 20 * 2]).toBeCloseTo(4 + 36 + 100, 12);
  });

  it('is Infinity everywhere without features and 0 on features', () => {
    const d = squaredEdt3d(new Uint8Array(24), 2, 3, 4, 1, 1, 1);
    expect([...d].every((x) => x === Infinity)).toBe(true);
    const full = squaredEdt3d(new Uint8Array(24).fill(1), 2, 3, 4, 1, 1, 1);
    expect([...full].every((x) => x === 0)).toBe(true);
  });

  it('reuses a passed buffer', () => {
    const buf = new Float64Array(8);
    const m = new Uint8Array(8);
    m[7] = 1;
    const d = squaredEdt3d(m, 2, 2, 2, 1, 1, 1, buf);
    expect(d).toBe(buf);
    expect(d[0]).toBe(3);
  });
});
