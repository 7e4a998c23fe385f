import { InvalidArgumentError } from '@raunet/core';
import { writeFileAtomic } from '@raunet/core/node';
import { zlibSync } from 'fflate';
import type { RgbaImage } from './image.js';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC, as in PNG and zlib) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Options of {@link encodePng}. */
export interface EncodePngOptions {
  /** zlib compression level 0 (store) .. 9 (smallest). @defaultValue 6 */
  level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}

/**
 * Encodes an 8-bit RGBA image as PNG (colour type 6, no interlace): IHDR, one IDAT compressed with
 * fflate's zlib, IEND, each chunk with its CRC-32. Rows use the adaptive filter choice of libpng
 * (None/Sub/Up/Average/Paeth, smallest sum of absolute values). Pure: no native code, works in browsers.
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} when `rgba` does not hold `width * height * 4` bytes.
 * @example
 * ```ts
 * const png = encodePng({ width: 2, height: 1, rgba: new Uint8Array([255, 0, 0, 255, 0, 0, 255, 255]) });
 * ```
 */
export function encodePng(image: RgbaImage, options: EncodePngOptions = {}): Uint8Array {
  const { width, height, rgba } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 2 ** 31 - 1 || height > 2 ** 31 - 1) {
    throw new InvalidArgumentError(`encodePng: width and height must be positive integers, received ${width} x ${height}`);
  }
  if (!(rgba instanceof Uint8Array)) {
    throw new InvalidArgumentError('encodePng: rgba must be a Uint8Array of RGBA bytes');
  }
  if (rgba.length !== width * height * 4) {
    throw new InvalidArgumentError(`encodePng: rgba holds ${rgba.length} bytes, ${width} x ${height} x 4 = ${width * height * 4} expected`);
  }
  const stride = width * 4;
  const raw = new Uint8Array((stride + 1) * height);
  const candidate = new Uint8Array(stride);
  const best = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    const prev = y > 0 ? row - stride : -1;
    let bestSum = Infinity;
    let bestType = 0;
    for (let type = 0; type < 5; type++) {
      let sum = 0;
      for (let i = 0; i < stride; i++) {
        const x = rgba[row + i];
        const a = i >= 4 ? rgba[row + i - 4] : 0;
        const b = prev >= 0 ? rgba[prev + i] : 0;
        const c = i >= 4 && prev >= 0 ? rgba[prev + i - 4] : 0;
        let v: number;
        if (type === 0) v = x;
        else if (type === 1) v = x - a;
        else if (type === 2) v = x - b;
        else if (type === 3) v = x - ((a + b) >> 1);
        else v = x - paeth(a, b, c);
        v &= 0xff;
        candidate[i] = v;
        sum += v < 128 ? v : 256 - v;
        if (sum >= bestSum) break;
      }
      if (sum < bestSum) {
        bestSum = sum;
        bestType = type;
        best.set(candidate);
      }
    }
    raw[y * (stride + 1)] = bestType;
    raw.set(best, y * (stride + 1) + 1);
  }
  const idat = zlibSync(raw, { level: options.level ?? 6 });
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  // compression 0, filter 0, interlace 0
  const chunks: [string, Uint8Array][] = [
    ['IHDR', ihdr],
    ['IDAT', idat],
    ['IEND', new Uint8Array(0)],
  ];
  const total = 8 + chunks.reduce((s, [, d]) => s + 12 + d.length, 0);
  const out = new Uint8Array(total);
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0);
  const view = new DataView(out.buffer);
  let o = 8;
  for (const [type, data] of chunks) {
    view.setUint32(o, data.length);
    for (let i = 0; i < 4; i++) out[o + 4 + i] = type.charCodeAt(i);
    out.set(data, o + 8);
    view.setUint32(o + 8 + data.length, crc32(out.subarray(o + 4, o + 8 + data.length)));
    o += 12 + data.length;
  }
  return out;
}

/**
 * Encodes an image as PNG ({@link encodePng}) and writes it atomically (temporary file, then rename). Node only.
 *
 * @throws {@link @raunet/core!FileAccessError | FileAccessError} naming the file when it cannot be written.
 * @example
 * ```ts
 * await writePng('overlay.png', renderOverlay({ ct, truth, plane: 'axial' }));
 * ```
 */
export async function writePng(path: string, image: RgbaImage): Promise<void> {
  await writeFileAtomic(path, encodePng(image));
}

/**
 * Writes an SVG document (a string from {@link renderLineChart}) atomically as UTF-8. Node only.
 *
 * @throws {@link @raunet/core!FileAccessError | FileAccessError} naming the file when it cannot be written.
 */
export async function writeSvg(path: string, svg: string): Promise<void> {
  await writeFileAtomic(path, svg);
}
