/**
 * Exact squared Euclidean distance transform in mm² on an anisotropic grid (Felzenszwalb & Huttenlocher
 * 2012, separable lower envelopes of parabolas): for each voxel, the squared distance to the nearest
 * feature voxel (`feature[p] !== 0`); `Infinity` when there is none. Linear in the voxel count.
 */
export function squaredDistance(
  feature: Uint8Array,
  dims: readonly [number, number, number],
  spacing: readonly [number, number, number],
): Float32Array {
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const d = new Float32Array(n);
  for (let p = 0; p < n; p++) d[p] = feature[p] ? 0 : Infinity;
  const longest = Math.max(nx, ny, nz);
  const f = new Float64Array(longest);
  const out = new Float64Array(longest);
  const v = new Int32Array(longest);
  const zb = new Float64Array(longest + 1);
  const pass = (len: number, count: number, start: (line: number) => number, step: number, w: number) => {
    const w2 = w * w;
    for (let line = 0; line < count; line++) {
      const s = start(line);
      let any = false;
      for (let q = 0; q < len; q++) {
        f[q] = d[s + q * step];
        if (f[q] !== Infinity) any = true;
      }
      if (!any) continue;
      envelope(f, len, w2, v, zb, out);
      for (let q = 0; q < len; q++) d[s + q * step] = out[q];
    }
  };
  pass(nx, ny * nz, (line) => line * nx, 1, spacing[0]);
  pass(ny, nx * nz, (line) => (line % nx) + Math.floor(line / nx) * nx * ny, nx, spacing[1]);
  pass(nz, nx * ny, (line) => line, nx * ny, spacing[2]);
  return d;
}

/** 1D squared distance of sampled function `f` (Infinity = no feature) with sample spacing² `w2`. */
function envelope(
  f: Float64Array,
  n: number,
  w2: number,
  v: Int32Array,
  z: Float64Array,
  out: Float64Array,
): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (f[q] === Infinity) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    let s = 0;
    for (;;) {
      const r = v[k];
      s = (f[q] + w2 * q * q - (f[r] + w2 * r * r)) / (2 * w2 * (q - r));
      if (s <= z[k] && k > 0) k--;
      else break;
    }
    if (s <= z[k]) {
      // k === 0 and the new parabola dominates the only one kept.
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1] < q) j++;
    const dq = q - v[j];
    out[q] = w2 * dq * dq + f[v[j]];
  }
}
