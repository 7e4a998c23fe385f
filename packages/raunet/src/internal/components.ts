/**
 * Removes 26-connected foreground components with fewer than `minSize` voxels from a 0/1 mask of dims
 * (nx, ny, nz), x fastest. Returns a new array.
 */
export function removeSmallComponents(mask: Uint8Array, dims: readonly number[], minSize: number): Uint8Array<ArrayBuffer> {
  const [nx, ny, nz] = dims;
  const out = new Uint8Array(mask);
  if (minSize <= 1) return out;
  const seen = new Uint8Array(mask.length);
  const stack = new Int32Array(mask.length);
  const members = new Int32Array(mask.length);
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || seen[start]) continue;
    let top = 0;
    let count = 0;
    stack[top++] = start;
    seen[start] = 1;
    while (top > 0) {
      const v = stack[--top];
      members[count++] = v;
      const x = v % nx;
      const y = Math.floor(v / nx) % ny;
      const z = Math.floor(v / (nx * ny));
      for (let dz = -1; dz <= 1; dz++) {
        const zz = z + dz;
        if (zz < 0 || zz >= nz) continue;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= ny) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= nx) continue;
            const n = xx + nx * (yy + ny * zz);
            if (mask[n] && !seen[n]) {
              seen[n] = 1;
              stack[top++] = n;
            }
          }
        }
      }
    }
    if (count < minSize) for (let i = 0; i < count; i++) out[members[i]] = 0;
  }
  return out;
}
