import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { FileAccessError, InvalidArgumentError } from '@raunet/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32, encodePng, writePng } from './png.js';

// Independent minimal PNG decoder (8-bit RGBA, non-interlaced), bitwise CRC.
function bitCrc(bytes: Uint8Array): number {
  let c = ~0 >>> 0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function decodePng(png: Uint8Array) {
  expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: { type: string; data: Uint8Array }[] = [];
  let o = 8;
  while (o < png.length) {
    const len = view.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    const data = png.subarray(o + 8, o + 8 + len);
    expect(view.getUint32(o + 8 + len), `CRC of ${type}`).toBe(bitCrc(png.subarray(o + 4, o + 8 + len)));
    chunks.push({ type, data });
    o += 12 + len;
  }
  expect(o).toBe(png.length);
  expect(chunks[0].type).toBe('IHDR');
  expect(chunks[chunks.length - 1].type).toBe('IEND');
  const ih = new DataView(chunks[0].data.buffer, chunks[0].data.byteOffset, 13);
  const width = ih.getUint32(0);
  const height = ih.getUint32(4);
  const header = { bitDepth: ih.getUint8(8), colorType: ih.getUint8(9), compression: ih.getUint8(10), filter: ih.getUint8(11), interlace: ih.getUint8(12) };
  const z = Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data));
  const raw = new Uint8Array(inflateSync(z));
  const stride = width * 4;
  expect(raw.length).toBe((stride + 1) * height);
  const out = new Uint8Array(stride * height);
  const filters = new Set<number>();
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    filters.add(f);
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i];
      const a = i >= 4 ? out[y * stride + i - 4] : 0;
      const b = y > 0 ? out[(y - 1) * stride + i] : 0;
      const c = i >= 4 && y > 0 ? out[(y - 1) * stride + i - 4] : 0;
      let pred = 0;
      if (f === 1) pred = a;
      else if (f === 2) pred = b;
      else if (f === 3) pred = Math.floor((a + b) / 2);
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else expect(f).toBe(0);
      out[y * stride + i] = (x + pred) & 255;
    }
  }
  return { width, height, header, rgba: out, filters, chunkTypes: chunks.map((c) => c.type) };
}

describe('encodePng', () => {
  it('writes signature, IHDR (8-bit RGBA), IDAT, IEND with valid CRCs and exact pixels', () => {
    const rgba = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
    const d = decodePng(encodePng({ width: 3, height: 2, rgba }));
    expect(d.width).toBe(3);
    expect(d.height).toBe(2);
    expect(d.header).toEqual({ bitDepth: 8, colorType: 6, compression: 0, filter: 0, interlace: 0 });
    expect(d.chunkTypes).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(Array.from(d.rgba)).toEqual(Array.from(rgba));
  });

  it('round-trips random images through every row filter (property)', () => {
    const seen = new Set<number>();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 3 }), fc.uint8Array({ minLength: 252, maxLength: 252 }), (w, h, kind, bytes) => {
        const rgba = new Uint8Array(w * h * 4);
        for (let i = 0; i < rgba.length; i++) {
          // Mix noise, gradients and flat areas so different filters win.
          const x = (i >> 2) % w, y = Math.floor(i / 4 / w);
          rgba[i] = kind === 0 ? bytes[i % 252] : kind === 1 ? (x * 30 + (i & 3)) & 255 : kind === 2 ? (y * 40) & 255 : (x * 17 + y * 23 + bytes[i % 7]) & 255;
        }
        const d = decodePng(encodePng({ width: w, height: h, rgba }));
        d.filters.forEach((f) => seen.add(f));
        expect(d.width).toBe(w);
        expect(d.height).toBe(h);
        expect(Array.from(d.rgba)).toEqual(Array.from(rgba));
      }),
      { numRuns: 200 },
    );
    expect(seen.size).toBeGreaterThanOrEqual(3);
  });

  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('rejects wrong sizes', () => {
    expect(() => encodePng({ width: 2, height: 2, rgba: new Uint8Array(15) })).toThrow(InvalidArgumentError);
    expect(() => encodePng({ width: 0, height: 2, rgba: new Uint8Array(0) })).toThrow(/positive integers/);
  });

  it('writePng writes atomically and names the file on failure', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'raunet-viz-'));
    try {
      const img = { width: 1, height: 1, rgba: new Uint8Array([1, 2, 3, 4]) };
      await writePng(join(dir, 'a.png'), img);
      expect(await readdir(dir)).toEqual(['a.png']);
      expect(Array.from(decodePng(new Uint8Array(await readFile(join(dir, 'a.png')))).rgba)).toEqual([1, 2, 3, 4]);
      const bad = join(dir, 'missing', 'b.png');
      const error: unknown = await writePng(bad, img).catch((e: unknown) => e);
      expect(FileAccessError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain(bad);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
