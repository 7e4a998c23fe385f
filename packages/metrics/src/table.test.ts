import { describe, expect, it } from 'vitest';
import { boxMask, vol, type Dims } from './__fixtures__/reference.js';
import { evaluateSet } from './evaluate.js';
import { toTextTable } from './table.js';

describe('toTextTable', () => {
  const dims: Dims = [8, 8, 4];
  const truth = vol(boxMask(dims, [2, 2, 1], [5, 5, 2]), dims);
  const shifted = vol(boxMask(dims, [3, 2, 1], [6, 5, 2]), dims);
  const empty = vol(new Uint8Array(8 * 8 * 4), dims);
  const result = evaluateSet(
    [
      { name: 'same', prediction: truth, truth },
      { name: 'shifted-case', prediction: shifted, truth },
      { name: 'missed', prediction: empty, truth },
    ],
    { toleranceMm: 2 },
  );

  it('aligns one row per case and the summary rows under a header naming the tolerance', () => {
    const lines = toTextTable(result).trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 3 + 3);
    expect(lines[0]).toMatch(/^case {8,}DSC/);
    expect(lines[0]).toContain('NSD@2mm');
    expect(lines.map((l) => l.length)).toEqual(lines.map(() => lines[0].length));
    expect(lines[1].split(/\s+/).slice(0, 2)).toEqual(['same', '1.0000']);
    expect(lines[3]).toContain('Infinity');
    expect(lines.slice(4).map((l) => l.split(/\s+/)[0])).toEqual(['mean', 'std', 'median']);
  });

  it('tags the surface columns of a surfel result', () => {
    const header = toTextTable(
      evaluateSet([{ name: 'same', prediction: truth, truth }], { surface: 'surfel' }),
    ).split('\n')[0];
    expect(header).toContain('HD95mm(surfel)');
    expect(header).toContain('NSD@1mm(surfel)');
  });
});
