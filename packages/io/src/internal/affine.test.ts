import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { affineToQuaternion, quaternionToMatrix } from './affine.js';

/** Rebuilds the affine from quaternion + zooms + qfac + offset, as a reader does (independent of the encoder's matrix). */
function rebuild(q: ReturnType<typeof affineToQuaternion>): number[][] {
  const R = quaternionToMatrix(q.b, q.c, q.d);
  const s = [q.zooms[0], q.zooms[1], q.zooms[2] * q.qfac];
  return [0, 1, 2].map((r) => [R[r][0] * s[0], R[r][1] * s[1], R[r][2] * s[2], q.offset[r]]);
}

describe('quaternion <-> rotation', () => {
  it('known cases by hand', () => {
    // identity
    expect(quaternionToMatrix(0, 0, 0)).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    // 180° about x: (a,b,c,d) = (0,1,0,0) -> diag(1,-1,-1) (nifti1.h's example)
    expect(quaternionToMatrix(1, 0, 0).map((r) => r.map((x) => x + 0))).toEqual([
      [1, 0, 0],
      [0, -1, 0],
      [0, 0, -1],
    ]);
    // LAS (dcm2niix-style, x flipped): det < 0 -> qfac -1.
    const q = affineToQuaternion([
      [-0.7, 0, 0, 10],
      [0, 0.7, 0, -20],
      [0, 0, 2.5, 30],
      [0, 0, 0, 1],
    ]);
    expect(q.qfac).toBe(-1);
    expect(q.zooms).toEqual([0.7, 0.7, 2.5]);
    expect(rebuild(q)[0][0]).toBeCloseTo(-0.7, 12);
    expect(rebuild(q)[2][2]).toBeCloseTo(2.5, 12);
  });

  it('any rotation x zooms x handedness survives affine -> quaternion -> affine', () => {
    const unit = fc.double({ min: -1, max: 1, noNaN: true });
    fc.assert(
      fc.property(unit, unit, unit, unit, fc.tuple(fc.double({ min: 0.1, max: 5, noNaN: true }), fc.double({ min: 0.1, max: 5, noNaN: true }), fc.double({ min: 0.1, max: 5, noNaN: true })), fc.boolean(), (w, x, y, z, zooms, flip) => {
        const n = Math.hypot(w, x, y, z);
        fc.pre(n > 0.1);
        // (w, x, y, z)/n is a unit quaternion; quaternionToMatrix recovers a = |w|/n (q and -q are one rotation).
        const R = quaternionToMatrix(x / n, y / n, z / n);
        const affine = [0, 1, 2].map((r) => [R[r][0] * zooms[0] * (flip ? -1 : 1), R[r][1] * zooms[1], R[r][2] * zooms[2], r * 7 - 3]);
        affine.push([0, 0, 0, 1]);
        const back = rebuild(affineToQuaternion(affine));
        // 1e-6: near 180° rotations (a ~ 0) lose a few digits; the file stores the quaternion as float32 anyway.
        for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) expect(Math.abs(back[r][c] - affine[r][c])).toBeLessThan(1e-6);
      }),
      { numRuns: 200 },
    );
  });

  it('a sheared affine gets the nearest rotation (orthonormal, same handedness)', () => {
    const q = affineToQuaternion([
      [1, 0.3, 0, 0],
      [0, 1, 0, 0],
      [0, 0.2, 1.2, 0],
      [0, 0, 0, 1],
    ]);
    const R = quaternionToMatrix(q.b, q.c, q.d);
    expect(q.qfac).toBe(1);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(R[0][i] * R[0][j] + R[1][i] * R[1][j] + R[2][i] * R[2][j]).toBeCloseTo(i === j ? 1 : 0, 9);
  });
});
