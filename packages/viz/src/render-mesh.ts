import { InvalidArgumentError } from '@raunet/core';
import type { Rgba, RgbaImage } from './image.js';

/** A triangle mesh in world mm (RAS+), counter-clockwise seen from outside: what `@raunet/mesh` produces. */
export interface MeshLike {
  /** `x, y, z` per vertex, world mm (RAS+). */
  readonly positions: Float32Array;
  /** Three vertex indices per triangle. */
  readonly indices: Uint32Array;
}

/** Where the camera stands, named by the patient side it looks at. */
export type MeshView = 'anterior' | 'posterior' | 'left' | 'right' | 'superior' | 'inferior';

/** Options of {@link renderMesh}. */
export interface RenderMeshOptions {
  /** One mesh or several (drawn together with one depth buffer). */
  meshes: MeshLike | readonly MeshLike[];
  /** Colour per mesh (cycled). @defaultValue [[220, 70, 60, 255], [70, 130, 220, 255], [80, 180, 90, 255], [230, 160, 40, 255]] */
  colors?: readonly Rgba[];
  /**
   * Camera position. `'anterior'`: seen from the front, patient's right on the image left, superior up;
   * `'posterior'`: from behind, right on the right; `'left'` / `'right'`: from that side, superior up;
   * `'superior'`: from above, anterior up; `'inferior'`: from the feet, anterior up, right on the left.
   * @defaultValue 'anterior'
   */
  view?: MeshView;
  /** Image width in pixels. @defaultValue 512 */
  width?: number;
  /** Image height in pixels. @defaultValue 512 */
  height?: number;
  /** Background colour. @defaultValue [255, 255, 255, 255] */
  background?: Rgba;
}

type Vec = [number, number, number];
const VIEWS: Record<MeshView, { forward: Vec; up: Vec }> = {
  anterior: { forward: [0, -1, 0], up: [0, 0, 1] },
  posterior: { forward: [0, 1, 0], up: [0, 0, 1] },
  left: { forward: [1, 0, 0], up: [0, 0, 1] },
  right: { forward: [-1, 0, 0], up: [0, 0, 1] },
  superior: { forward: [0, 0, -1], up: [0, 1, 0] },
  inferior: { forward: [0, 0, 1], up: [0, 1, 0] },
};

function cross(a: Vec, b: Vec): Vec {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/**
 * A shaded picture of surface meshes (orthographic camera, depth buffer, flat Lambert shading with a light
 * over the viewer's left shoulder). Back faces are culled, which is correct for the closed, outward-oriented
 * meshes of `@raunet/mesh`; the meshes are scaled to fill 90 % of the image, keeping proportions.
 *
 * @example
 * ```ts
 * const picture = renderMesh({ meshes: meshComponents(mask), view: 'anterior' });
 * await writePng('lesions-3d.png', picture);
 * ```
 */
export function renderMesh(options: RenderMeshOptions): RgbaImage {
  const meshes = 'positions' in options.meshes ? [options.meshes] : (options.meshes);
  const width = options.width ?? 512;
  const height = options.height ?? 512;
  const view = options.view ?? 'anterior';
  if (!VIEWS[view]) throw new InvalidArgumentError(`renderMesh: view must be one of ${Object.keys(VIEWS).join(', ')}, received ${String(view)}`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InvalidArgumentError(`renderMesh: width and height must be positive integers, received ${width} x ${height}`);
  }
  const colors = options.colors ?? [
    [220, 70, 60, 255],
    [70, 130, 220, 255],
    [80, 180, 90, 255],
    [230, 160, 40, 255],
  ];
  const bg = options.background ?? [255, 255, 255, 255];
  const { forward, up } = VIEWS[view];
  const right = cross(forward, up);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set(bg, i * 4);
  // Projected extent of all meshes.
  let minU = Infinity, maxU = -Infinity, minV = Infinity, maxV = -Infinity;
  for (const m of meshes) {
    const p = m.positions;
    for (let i = 0; i < p.length; i += 3) {
      const u = p[i] * right[0] + p[i + 1] * right[1] + p[i + 2] * right[2];
      const v = p[i] * up[0] + p[i + 1] * up[1] + p[i + 2] * up[2];
      if (u < minU) minU = u;
      if (u > maxU) maxU = u;
      if (v < minV) minV = v;
      if (v > maxV) maxV = v;
    }
  }
  if (!(maxU >= minU)) return { width, height, rgba };
  const scale = 0.9 * Math.min(width / Math.max(maxU - minU, 1e-9), height / Math.max(maxV - minV, 1e-9));
  const cu = (minU + maxU) / 2, cv = (minV + maxV) / 2;
  const depth = new Float32Array(width * height).fill(-Infinity);
  // Light from the viewer, up and to the left.
  const light: Vec = [0, 1, 2].map((k) => -forward[k] + 0.5 * up[k] - 0.4 * right[k]) as Vec;
  const ln = Math.hypot(...light);
  meshes.forEach((m, mi) => {
    const color = colors[mi % colors.length];
    const p = m.positions;
    const idx = m.indices;
    for (let t = 0; t < idx.length; t += 3) {
      const a = idx[t] * 3, b = idx[t + 1] * 3, c = idx[t + 2] * 3;
      const e1: Vec = [p[b] - p[a], p[b + 1] - p[a + 1], p[b + 2] - p[a + 2]];
      const e2: Vec = [p[c] - p[a], p[c + 1] - p[a + 1], p[c + 2] - p[a + 2]];
      const n = cross(e1, e2);
      const nl = Math.hypot(...n);
      if (nl === 0) continue;
      // Cull faces turned away from the camera (outward normals point against `forward` when visible).
      const facing = -(n[0] * forward[0] + n[1] * forward[1] + n[2] * forward[2]) / nl;
      if (facing <= 0) continue;
      const shade = 0.25 + 0.75 * Math.max(0, (n[0] * light[0] + n[1] * light[1] + n[2] * light[2]) / (nl * ln));
      const xs: number[] = [], ys: number[] = [], zs: number[] = [];
      for (const o of [a, b, c]) {
        const u = p[o] * right[0] + p[o + 1] * right[1] + p[o + 2] * right[2];
        const v = p[o] * up[0] + p[o + 1] * up[1] + p[o + 2] * up[2];
        xs.push(width / 2 + (u - cu) * scale);
        ys.push(height / 2 - (v - cv) * scale);
        zs.push(-(p[o] * forward[0] + p[o + 1] * forward[1] + p[o + 2] * forward[2]));
      }
      const area = (xs[1] - xs[0]) * (ys[2] - ys[0]) - (xs[2] - xs[0]) * (ys[1] - ys[0]);
      if (area === 0) continue;
      const x0 = Math.max(0, Math.floor(Math.min(...xs))), x1 = Math.min(width - 1, Math.ceil(Math.max(...xs)));
      const y0 = Math.max(0, Math.floor(Math.min(...ys))), y1 = Math.min(height - 1, Math.ceil(Math.max(...ys)));
      const r = Math.round(color[0] * shade), g = Math.round(color[1] * shade), bl = Math.round(color[2] * shade);
      for (let y = y0; y <= y1; y++) {
        const py = y + 0.5;
        for (let x = x0; x <= x1; x++) {
          const px = x + 0.5;
          // Barycentric weights (signed areas relative to the whole triangle).
          const w0 = ((xs[1] - px) * (ys[2] - py) - (xs[2] - px) * (ys[1] - py)) / area;
          const w1 = ((xs[2] - px) * (ys[0] - py) - (xs[0] - px) * (ys[2] - py)) / area;
          const w2 = 1 - w0 - w1;
          if (w0 < 0 || w1 < 0 || w2 < 0) continue;
          const z = w0 * zs[0] + w1 * zs[1] + w2 * zs[2];
          const q = y * width + x;
          if (z <= depth[q]) continue;
          depth[q] = z;
          rgba[q * 4] = r;
          rgba[q * 4 + 1] = g;
          rgba[q * 4 + 2] = bl;
          rgba[q * 4 + 3] = 255;
        }
      }
    }
  });
  return { width, height, rgba };
}
