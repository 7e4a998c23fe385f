import { describe, expect, it } from 'vitest';
import { createVolume } from '@raunet/core';
import { overlayPixelSize } from './pictures.js';

const volume = (dims: number[], spacing: number[]) =>
  createVolume({ data: new Int16Array(dims[0] * dims[1] * dims[2]), dims, spacing });

describe('overlayPixelSize', () => {
  it('enlarges coarse volumes so the widest field of view spans 256 pixels', () => {
    // the demo's phantoms: 48 x 7.5 mm = 360 mm wide, 24 x 12.5 mm = 300 mm tall
    expect(overlayPixelSize(volume([48, 48, 24], [7.5, 7.5, 12.5]))).toBeCloseTo(360 / 256, 12);
  });

  it('keeps the finest voxel size of fine volumes', () => {
    expect(overlayPixelSize(volume([512, 512, 3], [0.7, 0.7, 5]))).toBe(0.7);
    expect(overlayPixelSize(volume([300, 300, 300], [1.2, 1, 0.9]))).toBe(0.9);
  });
});
