// Test-only minimal NIfTI-1 reader (little-endian, scalar types, sform or qform), independent of
// @raunet/io; the tests use @raunet/io's readNifti when it exists and this otherwise.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createVolume, type Volume } from '@raunet/core';

export function readNiftiLite(path: string): Volume {
  let bytes = readFileSync(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getInt32(0, true) !== 348) throw new Error(`${path}: not a little-endian NIfTI-1 file`);
  const ndim = v.getInt16(40, true);
  const dims = [1, 2, 3].map((i) => (i <= ndim ? v.getInt16(40 + 2 * i, true) : 1));
  const datatype = v.getInt16(70, true);
  const pix = [0, 1, 2, 3].map((i) => v.getFloat32(76 + 4 * i, true));
  const offset = Math.round(v.getFloat32(108, true));
  const sform = v.getInt16(254, true);
  let affine: number[][];
  if (sform > 0) {
    affine = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => v.getFloat32(280 + 16 * r + 4 * c, true)));
  } else {
    const [b, c, d] = [256, 260, 264].map((o) => v.getFloat32(o, true));
    const a = Math.sqrt(Math.max(0, 1 - b * b - c * c - d * d));
    const R = [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - b * b - c * c],
    ];
    const qfac = pix[0] < 0 ? -1 : 1;
    const s = [pix[1], pix[2], pix[3] * qfac];
    const off = [268, 272, 276].map((o) => v.getFloat32(o, true));
    affine = [0, 1, 2].map((r) => [R[r][0] * s[0], R[r][1] * s[1], R[r][2] * s[2], off[r]]);
  }
  affine.push([0, 0, 0, 1]);
  const n = dims[0] * dims[1] * dims[2];
  const ctor = { 2: Uint8Array, 4: Int16Array, 8: Int32Array, 16: Float32Array, 256: Int8Array, 512: Uint16Array }[datatype];
  if (!ctor) throw new Error(`${path}: datatype ${datatype} not supported by the test reader`);
  const data = new ctor(n);
  const src = bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + n * data.BYTES_PER_ELEMENT);
  data.set(new ctor(src));
  const slope = v.getFloat32(112, true);
  const inter = v.getFloat32(116, true);
  if (slope !== 0 && (slope !== 1 || inter !== 0)) throw new Error(`${path}: scaled data not supported by the test reader`);
  return createVolume({ data, dims, spacing: pix.slice(1, 4).map(Math.abs), affine });
}
