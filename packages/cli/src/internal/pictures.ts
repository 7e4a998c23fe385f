import type { Volume } from '@raunet/core';

/** Fewest pixels the widest field of view of an overlay picture spans. */
const MIN_PICTURE_PIXELS = 256;

/**
 * Output pixel size (mm) for overlay pictures of `volume`: its finest voxel size, or smaller where that
 * would draw the widest field of view on fewer than 256 pixels, so coarse volumes (the demo's 48x48x24
 * phantoms have 7.5 mm voxels) are enlarged instead of shown as thumbnails.
 */
export function overlayPixelSize(volume: Volume): number {
  const axes = [0, 1, 2].map((a) => ({ n: volume.dims[a] ?? 1, s: volume.spacing[a] ?? 1 }));
  const fieldOfView = Math.max(...axes.map((a) => a.n * a.s));
  return Math.min(...axes.map((a) => a.s), fieldOfView / MIN_PICTURE_PIXELS);
}
