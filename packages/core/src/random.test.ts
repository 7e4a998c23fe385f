import { describe, expect, it } from 'vitest';
import { Rng } from './random.js';

describe('Rng', () => {
  it('is deterministic and restorable', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    expect(Array.from({ length: 5 }, () => a.nextUint32())).toEqual(Array.from({ length: 5 }, () => b.nextUint32()));
    const s = a.state;
    const x = a.uniform();
    a.state = s;
    expect(a.uniform()).toBe(x);
  });
  it('draws normals with the right moments', () => {
    const r = new Rng(1);
    const n = 20000;
    let m = 0;
    let q = 0;
    for (let i = 0; i < n; i++) {
      const v = r.normal(2, 3);
      m += v;
      q += v * v;
    }
    m /= n;
    expect(m).toBeCloseTo(2, 0);
    expect(Math.sqrt(q / n - m * m)).toBeCloseTo(3, 0);
  });
});
