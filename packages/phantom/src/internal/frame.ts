/**
 * Mapping between voxel indices and the phantom's patient frame, in patient mm:
 * `u` lateral (positive towards the patient's left), `v` antero-posterior (positive posterior),
 * `w` cranio-caudal (positive superior); origin at the body centre, mid-lung height.
 * Voxel axes i, j, k point along u, v, w (so the volume is L, P, S like DICOM), each scaled by
 * `spacing / scale`: `scaleXY`, `scaleZ` (at most 1) shrink the patient when the field of view is too
 * small to hold a whole chest.
 */
export class Frame {
  readonly nx: number;
  readonly ny: number;
  readonly nz: number;
  /** Patient mm per voxel along i, j, k. */
  readonly au: number;
  readonly av: number;
  readonly aw: number;
  /** Patient coordinate of voxel index 0 along each axis. */
  readonly bu: number;
  readonly bv: number;
  readonly bw: number;

  constructor(
    dims: readonly [number, number, number],
    readonly spacing: readonly [number, number, number],
    readonly scaleXY: number,
    readonly scaleZ: number,
    shift: readonly [number, number, number],
  ) {
    [this.nx, this.ny, this.nz] = dims;
    this.au = spacing[0] / scaleXY;
    this.av = spacing[1] / scaleXY;
    this.aw = spacing[2] / scaleZ;
    this.bu = -((this.nx - 1) / 2) * this.au + shift[0];
    this.bv = -((this.ny - 1) / 2) * this.av + shift[1];
    this.bw = -((this.nz - 1) / 2) * this.aw + shift[2];
  }

  u(i: number): number {
    return this.bu + i * this.au;
  }
  v(j: number): number {
    return this.bv + j * this.av;
  }
  w(k: number): number {
    return this.bw + k * this.aw;
  }
  /** Fractional voxel index of a patient position. */
  i(u: number): number {
    return (u - this.bu) / this.au;
  }
  j(v: number): number {
    return (v - this.bv) / this.av;
  }
  k(w: number): number {
    return (w - this.bw) / this.aw;
  }
  /** Flat index of the voxel nearest to a patient position, or -1 outside the grid. */
  index(u: number, v: number, w: number): number {
    const i = Math.round(this.i(u));
    const j = Math.round(this.j(v));
    const k = Math.round(this.k(w));
    if (i < 0 || j < 0 || k < 0 || i >= this.nx || j >= this.ny || k >= this.nz) return -1;
    return i + this.nx * (j + this.ny * k);
  }
}
