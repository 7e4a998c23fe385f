import { InvalidArgumentError, createVolume } from '@raunet/core';
import { describe, expect, it } from 'vitest';
import { at, fromFunction } from './__fixtures__/helpers.js';
import { bodyMask } from './body-mask.js';
import { maskBoundingBox } from './crop.js';

describe('bodyMask', () => {
  it('keeps the largest connected component above -500 HU (a body), dropping a separate table and specks', () => {
    const ct = fromFunction(
      [30, 24, 6],
      (i, j, k) => {
        if (i >= 5 && i <= 24 && j >= 4 && j <= 15 && k >= 1) return (i - 14) ** 2 + (j - 10) ** 2 < 9 ? -850 : 40; // body with a lung hole
        if (j === 20 && k >= 1) return 200; // table, separated by air
        if (i === 1 && j === 1 && k === 0) return 0; // a speck
        return -1000;
      },
      (n) => new Int16Array(n),
    );
    const m = bodyMask(ct);
    expect(m.data).toBeInstanceOf(Uint8Array);
    expect(maskBoundingBox(m)).toEqual({ start: [5, 4, 1], size: [20, 12, 5] });
    expect(at(m, 14, 10, 3)).toBe(0); // the lung stays a hole
    expect(at(m, 5, 4, 1)).toBe(1);
    expect(at(m, 10, 20, 2)).toBe(0);
    expect(at(m, 1, 1, 0)).toBe(0);
  });

  it('rejects a volume with nothing above the threshold', () => {
    expect(() => bodyMask(createVolume({ data: new Int16Array(8).fill(-1000), dims: [2, 2, 2] }))).toThrow(InvalidArgumentError);
  });
});
