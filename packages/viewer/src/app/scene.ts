import { NVImage, NVMesh, Niivue, SLICE_TYPE } from '@niivue/niivue';
import { voxelToWorld, type Volume } from '@raunet/core';
import type { LoadedVolume } from './volumes.js';

/** The overlays a case can have, in drawing order. */
export type OverlayRole = 'prob' | 'truth' | 'mask';

/** Colour choices of masks (NiiVue colormap names). */
export const MASK_COLOURS = ['red', 'green', 'blue', 'violet', 'warm', 'winter'] as const;

/** Defaults per overlay: colour, opacity and the display range. */
export const OVERLAY_DEFAULTS: Record<OverlayRole, { label: string; colormap: string; opacity: number; calMin: number; calMax: number }> = {
  prob: { label: 'Probability', colormap: 'warm', opacity: 0, calMin: 0.05, calMax: 1 },
  truth: { label: 'Ground truth', colormap: 'green', opacity: 0.5, calMin: 0.5, calMax: 1 },
  mask: { label: 'Prediction', colormap: 'red', opacity: 0.6, calMin: 0.5, calMax: 1 },
};

const VIEWS: Record<string, SLICE_TYPE> = {
  axial: SLICE_TYPE.AXIAL,
  coronal: SLICE_TYPE.CORONAL,
  sagittal: SLICE_TYPE.SAGITTAL,
  multiplanar: SLICE_TYPE.MULTIPLANAR,
  render: SLICE_TYPE.RENDER,
};

/** A copy of the bytes as a standalone ArrayBuffer (NiiVue keeps and may transfer what it gets). */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

/** The NiiVue scene of one case: CT, overlays by role, meshes. */
export class Scene {
  readonly nv: Niivue;
  private overlays = new Map<OverlayRole, NVImage>();

  private constructor(nv: Niivue) {
    this.nv = nv;
  }

  /** Attaches NiiVue to the canvas; a browser without WebGL2 is an error with that reason. */
  static async create(canvas: HTMLCanvasElement, onLocation: (text: string) => void): Promise<Scene> {
    if (!canvas.getContext('webgl2')) throw new Error('this browser has no WebGL2, which the viewer (NiiVue) needs; in-browser segmentation still works');
    const nv = new Niivue({ backColor: [0, 0, 0, 1], show3Dcrosshair: true, dragAndDropEnabled: false, loadingText: 'loading', crosshairColor: [0, 0.85, 0.85, 0.7] });
    nv.onLocationChange = (data: unknown) => onLocation((data as { string?: string }).string ?? '');
    await nv.attachToCanvas(canvas);
    nv.setSliceType(SLICE_TYPE.MULTIPLANAR);
    return new Scene(nv);
  }

  /** Removes every volume and mesh. */
  clear(): void {
    for (const v of [...this.nv.volumes].reverse()) this.nv.removeVolume(v);
    for (const m of [...this.nv.meshes]) this.nv.removeMesh(m);
    this.overlays.clear();
  }

  /** Shows a CT (lung window by default: -1350..150 HU). */
  async setCt(ct: LoadedVolume): Promise<void> {
    this.clear();
    const image = await NVImage.loadFromUrl({ url: ct.name, name: ct.name, buffer: ownBuffer(ct.bytes), colormap: 'gray', cal_min: -1350, cal_max: 150, trustCalMinMax: true });
    this.nv.addVolume(image);
  }

  /** Adds (or replaces) an overlay. */
  async setOverlay(role: OverlayRole, volume: LoadedVolume): Promise<void> {
    const previous = this.overlays.get(role);
    if (previous) this.nv.removeVolume(previous);
    const d = OVERLAY_DEFAULTS[role];
    const image = await NVImage.loadFromUrl({ url: volume.name, name: volume.name, buffer: ownBuffer(volume.bytes), colormap: d.colormap, opacity: d.opacity, cal_min: d.calMin, cal_max: d.calMax, trustCalMinMax: true });
    this.nv.addVolume(image);
    this.overlays.set(role, image);
    this.sortOverlays();
  }

  /** Keeps the prediction on top of the truth, the truth on top of the probabilities. */
  private sortOverlays(): void {
    for (const role of ['prob', 'truth', 'mask'] as const) {
      const image = this.overlays.get(role);
      if (image) this.nv.setVolume(image, this.nv.volumes.length - 1);
    }
  }

  hasOverlay(role: OverlayRole): boolean {
    return this.overlays.has(role);
  }

  /** Opacity of an overlay in [0, 1]. */
  setOpacity(role: OverlayRole, opacity: number): void {
    const image = this.overlays.get(role);
    if (!image) return;
    image.opacity = opacity;
    this.nv.updateGLVolume();
  }

  /** Colour (NiiVue colormap) of an overlay. */
  setColour(role: OverlayRole, colormap: string): void {
    const image = this.overlays.get(role);
    if (!image) return;
    image.colormap = colormap;
    this.nv.updateGLVolume();
  }

  /** Adds a mesh (STL, PLY, OBJ bytes). */
  async addMesh(name: string, bytes: Uint8Array, rgba: [number, number, number, number]): Promise<void> {
    const mesh = await NVMesh.loadFromUrl({ url: name, name, buffer: ownBuffer(bytes), gl: this.nv.gl, rgba255: rgba });
    this.nv.addMesh(mesh);
  }

  /** Colour and opacity of the meshes. */
  setMeshColour(rgba: [number, number, number, number]): void {
    // NiiVue types the id as a number but its meshes carry string ids; it matches them either way.
    for (const m of this.nv.meshes) this.nv.setMeshProperty(m.id as unknown as number, 'rgba255', new Uint8Array(rgba));
    this.nv.drawScene();
  }

  /** axial, coronal, sagittal, multiplanar or render (3D). */
  setView(view: string): void {
    const type = VIEWS[view];
    if (type !== undefined) this.nv.setSliceType(type);
  }

  /** Puts the crosshair on a voxel of the CT (e.g. the lesion's centre). */
  centreOn(ct: Volume, ijk: readonly number[]): void {
    const mm = voxelToWorld(ct.affine, ijk);
    this.nv.scene.crosshairPos = this.nv.mm2frac(mm);
    this.nv.updateGLVolume();
  }
}

/** Centre voxel (rounded mean index) of a mask's nonzero voxels, or `undefined` for an empty mask. */
export function maskCentre(mask: Volume): [number, number, number] | undefined {
  const [nx, ny] = mask.dims;
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sz = 0;
  const d = mask.data;
  for (let i = 0; i < d.length; i++) {
    if (Number(d[i]) === 0) continue;
    n++;
    sx += i % nx;
    sy += Math.floor(i / nx) % ny;
    sz += Math.floor(i / (nx * ny));
  }
  return n ? [Math.round(sx / n), Math.round(sy / n), Math.round(sz / n)] : undefined;
}
