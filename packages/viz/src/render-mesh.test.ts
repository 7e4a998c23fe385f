import { describe, expect, it } from 'vitest';
import type { Rgba, RgbaImage } from './image.js';
import { renderMesh, type MeshLike } from './render-mesh.js';

/** Axis-aligned box as 12 triangles, counter-clockwise seen from outside. */
function box(min: [number, number, number], max: [number, number, number]): MeshLike {
  const p: number[] = [];
  for (let k = 0; k < 8; k++) p.push(k & 1 ? max[0] : min[0], k & 2 ? max[1] : min[1], k & 4 ? max[2] : min[2]);
  // Faces as quads (outward CCW), split into two triangles each.
  const quads = [
    [0, 2, 3, 1], // z min (normal -z)
    [4, 5, 7, 6], // z max
    [0, 1, 5, 4], // y min
    [2, 6, 7, 3], // y max
    [0, 4, 6, 2], // x min
    [1, 3, 7, 5], // x max
  ];
  const idx = quads.flatMap(([a, b, c, d]) => [a, b, c, a, c, d]);
  return { positions: Float32Array.from(p), indices: Uint32Array.from(idx) };
}

function hue(img: RgbaImage, x: number, y: number): 'r' | 'b' | 'bg' {
  const o = (y * img.width + x) * 4;
  const [r, , b] = img.rgba.subarray(o, o + 3);
  if (r === 255 && b === 255) return 'bg';
  return r > b ? 'r' : 'b';
}

describe('renderMesh', () => {
  const red: Rgba = [200, 0, 0, 255];
  const blue: Rgba = [0, 0, 200, 255];
  // A box at the patient's right (+x) and one at the left (-x), the left one further anterior (+y).
  const rightBox = box([10, 0, 0], [20, 10, 10]);
  const leftBox = box([-20, 5, 0], [-10, 15, 10]);

  it('anterior view: patient right on the image left, superior up; posterior view mirrored', () => {
    const front = renderMesh({ meshes: [rightBox, leftBox], colors: [red, blue], width: 100, height: 100 });
    expect(hue(front, 20, 50)).toBe('r');
    expect(hue(front, 80, 50)).toBe('b');
    expect(hue(front, 50, 50)).toBe('bg');
    const back = renderMesh({ meshes: [rightBox, leftBox], colors: [red, blue], width: 100, height: 100, view: 'posterior' });
    expect(hue(back, 20, 50)).toBe('b');
    expect(hue(back, 80, 50)).toBe('r');
  });

  it('fits the projected extent (90 %) with the right proportions', () => {
    const img = renderMesh({ meshes: box([0, 0, 0], [40, 10, 20]), width: 200, height: 200 });
    let minX = 200, maxX = -1, minY = 200, maxY = -1;
    for (let y = 0; y < 200; y++)
      for (let x = 0; x < 200; x++)
        if (hue(img, x, y) !== 'bg') {
          minX = Math.min(minX, x);
          maxX = Math.max(maxX, x);
          minY = Math.min(minY, y);
          maxY = Math.max(maxY, y);
        }
    expect(maxX - minX + 1).toBeCloseTo(180, -1);
    expect((maxY - minY + 1) / (maxX - minX + 1)).toBeCloseTo(0.5, 1);
  });

  it('hides what is behind (depth buffer) and culls back faces', () => {
    // Seen from the left side (camera at -x), the left box is nearer and covers the right box where they overlap.
    // The far (red) box is drawn last, so only the depth test can keep the near one visible.
    const side = renderMesh({ meshes: [leftBox, rightBox], colors: [blue, red], width: 100, height: 100, view: 'left' });
    // Overlap in y is [5, 10]: between the boxes' projections, the blue (near) box wins.
    let blueCount = 0, redCount = 0;
    for (let y = 0; y < 100; y++)
      for (let x = 0; x < 100; x++) {
        const h = hue(side, x, y);
        if (h === 'b') blueCount++;
        if (h === 'r') redCount++;
      }
    expect(blueCount).toBeGreaterThan(redCount);
    // A single box seen from the front shows only its front face: one uniform shade.
    const one = renderMesh({ meshes: box([0, 0, 0], [10, 10, 10]), colors: [red], width: 50, height: 50 });
    const shades = new Set<number>();
    for (let o = 0; o < one.rgba.length; o += 4) if (one.rgba[o + 2] !== 255) shades.add(one.rgba[o]);
    expect(shades.size).toBe(1);
  });
});
