import type { Rgba, RgbaImage } from '../image.js';

// 3x5 pixel glyphs (rows top to bottom, 3 bits each, most significant bit on the left).
const GLYPHS: Record<string, number[]> = {
  '0': [7, 5, 5, 5, 7],
  '1': [2, 6, 2, 2, 7],
  '2': [7, 1, 7, 4, 7],
  '3': [7, 1, 7, 1, 7],
  '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7],
  '6': [7, 4, 7, 5, 7],
  '7': [7, 1, 1, 1, 1],
  '8': [7, 5, 7, 5, 7],
  '9': [7, 5, 7, 1, 7],
  '.': [0, 0, 0, 0, 2],
  '-': [0, 0, 7, 0, 0],
  '+': [0, 2, 7, 2, 0],
  e: [0, 7, 7, 4, 7],
  ' ': [0, 0, 0, 0, 0],
  A: [2, 5, 7, 5, 5],
  B: [6, 5, 6, 5, 6],
  C: [3, 4, 4, 4, 3],
  D: [6, 5, 5, 5, 6],
  E: [7, 4, 6, 4, 7],
  F: [7, 4, 6, 4, 4],
  G: [3, 4, 5, 5, 3],
  H: [5, 5, 7, 5, 5],
  I: [7, 2, 2, 2, 7],
  J: [1, 1, 1, 5, 2],
  K: [5, 5, 6, 5, 5],
  L: [4, 4, 4, 4, 7],
  M: [5, 7, 7, 5, 5],
  N: [6, 5, 5, 5, 5],
  O: [2, 5, 5, 5, 2],
  P: [6, 5, 6, 4, 4],
  Q: [2, 5, 5, 6, 3],
  R: [6, 5, 6, 5, 5],
  S: [3, 4, 2, 1, 6],
  T: [7, 2, 2, 2, 2],
  U: [5, 5, 5, 5, 7],
  V: [5, 5, 5, 5, 2],
  W: [5, 5, 7, 7, 5],
  X: [5, 5, 2, 5, 5],
  Y: [5, 5, 2, 2, 2],
  Z: [7, 1, 2, 4, 7],
  ':': [0, 2, 0, 2, 0],
  '(': [1, 2, 2, 2, 1],
  ')': [4, 2, 2, 2, 4],
  '/': [1, 1, 2, 4, 4],
  ',': [0, 0, 0, 2, 4],
  '_': [0, 0, 0, 0, 7],
  '%': [5, 1, 2, 4, 5],
  '<': [1, 2, 4, 2, 1],
  '>': [4, 2, 1, 2, 4],
  '=': [0, 7, 0, 7, 0],
};

/** Width in pixels of `s` drawn by {@link Canvas.text} at `scale`. @internal */
export function textWidth(s: string, scale = 2): number {
  return s.length * 4 * scale - scale;
}

/** A mutable RGBA drawing surface. @internal */
export class Canvas implements RgbaImage {
  readonly rgba: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgba,
  ) {
    this.rgba = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) this.rgba.set(background, i * 4);
  }

  set(x: number, y: number, c: Rgba): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.rgba.set(c, (y * this.width + x) * 4);
  }

  rect(x0: number, y0: number, w: number, h: number, c: Rgba): void {
    for (let y = Math.round(y0); y < Math.round(y0 + h); y++) for (let x = Math.round(x0); x < Math.round(x0 + w); x++) this.set(x, y, c);
  }

  /** Bresenham line, `thickness` pixels wide (square brush). */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgba, thickness = 1): void {
    let x = Math.round(x0), y = Math.round(y0);
    const xe = Math.round(x1), ye = Math.round(y1);
    const dx = Math.abs(xe - x), dy = -Math.abs(ye - y);
    const sx = x < xe ? 1 : -1, sy = y < ye ? 1 : -1;
    let err = dx + dy;
    const off = Math.floor((thickness - 1) / 2);
    for (;;) {
      if (thickness <= 1) this.set(x, y, c);
      else this.rect(x - off, y - off, thickness, thickness, c);
      if (x === xe && y === ye) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y += sy;
      }
    }
  }

  /**
   * Draws text with the 3x5 font at `scale`: digits, `.-+e` (numbers), upper-case letters and `:()/,_%<>=`
   * (other letters are drawn upper case); `align` anchors x at the left, centre or right.
   */
  text(s: string, x: number, y: number, c: Rgba, scale = 2, align: 'left' | 'center' | 'right' = 'left'): void {
    const advance = 4 * scale;
    const w = s.length * advance - scale;
    let x0 = align === 'left' ? x : align === 'center' ? x - w / 2 : x - w;
    x0 = Math.round(x0);
    for (const ch of s) {
      const g = GLYPHS[ch] ?? GLYPHS[ch.toUpperCase()];
      if (g) {
        for (let r = 0; r < 5; r++)
          for (let b = 0; b < 3; b++) if ((g[r] >> (2 - b)) & 1) this.rect(x0 + b * scale, y + r * scale, scale, scale, c);
      }
      x0 += advance;
    }
  }
}
