import { InvalidArgumentError } from '@raunet/core';

/** An 8-bit RGBA raster: `rgba[(y * width + x) * 4 + c]`, row 0 at the top, not premultiplied. */
export interface RgbaImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** Red, green, blue, alpha bytes per pixel, rows top to bottom. */
  readonly rgba: Uint8Array;
}

/** An RGBA colour, each channel 0..255. */
export type Rgba = readonly [number, number, number, number];

/** Options of {@link montage}. */
export interface MontageOptions {
  /** Pixels between images. @defaultValue 4 */
  gap?: number;
  /** Colour of the gaps and of the space below shorter images. @defaultValue [0, 0, 0, 255] */
  background?: Rgba;
}

/**
 * Places images side by side, left to right, top-aligned.
 *
 * @example
 * ```ts
 * const { axial, coronal, sagittal } = renderOverlays({ ct, truth });
 * await writePng('montage.png', montage([axial, coronal, sagittal]));
 * ```
 */
export function montage(images: readonly RgbaImage[], options: MontageOptions = {}): RgbaImage {
  const gap = options.gap ?? 4;
  const bg = options.background ?? [0, 0, 0, 255];
  if (images.length === 0) throw new InvalidArgumentError('montage: expected at least one image');
  if (!Number.isInteger(gap) || gap < 0) throw new InvalidArgumentError(`montage: gap must be a non-negative integer, received ${gap}`);
  const width = images.reduce((s, im) => s + im.width, 0) + gap * (images.length - 1);
  const height = Math.max(...images.map((im) => im.height));
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set(bg, i * 4);
  let x0 = 0;
  for (const im of images) {
    for (let y = 0; y < im.height; y++) {
      rgba.set(im.rgba.subarray(y * im.width * 4, (y + 1) * im.width * 4), (y * width + x0) * 4);
    }
    x0 += im.width + gap;
  }
  return { width, height, rgba };
}
