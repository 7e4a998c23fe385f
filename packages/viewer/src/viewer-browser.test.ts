import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { voxelToWorld, type Volume } from '@raunet/core';
import { readNifti } from '@raunet/io';
import { dice } from '@raunet/metrics';
import { shippedModelDir } from '@raunet/models/node';
import { networkDirs } from '@raunet/raunet';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../scripts/build-app.mjs';
import { browserSkipReason, launchChromium, LESION_DATA, NIFTI_DATA, testOutputDir } from './__fixtures__/browser.js';
import { serveViewer, type ServeViewerOptions, type ViewerServer } from './serve-viewer.js';

const skip = browserSkipReason();
if (skip) console.warn(`viewer browser tests skipped: ${skip}`);

const ROOT = resolve(import.meta.dirname, '../../..');
const CT = join(NIFTI_DATA, 'chest_ct_cip64_int16.nii.gz');
const LUNG = join(NIFTI_DATA, 'chest_cip64_wholelung_uint16.nii.gz');
const REGIONS = join(NIFTI_DATA, 'chest_cip64_lungregions_uint16.nii.gz');
const VOI = join(LESION_DATA, 'lidc-nodules/images/LIDC-IDRI-0008_R_1.nii.gz');
const SLICE = join(LESION_DATA, 'covid-semiseg/images/semiseg_000.nii.gz');
const MODEL_DIR = shippedModelDir('lidc-nodules');

/** The parts of NiiVue the overlay test reads. */
interface NiivueLike {
  opts: { crosshairWidth: number };
  gl: WebGL2RenderingContext;
  drawScene(): void;
  mm2frac(mm: number[]): number[];
  frac2canvasPos(frac: number[]): number[] | null;
}

interface PageState {
  state: string;
  errors: string[];
  numbers?: { lesionVoxels: number; lesionMl: number; truthMl?: number; dice?: number };
}

describe.skipIf(skip)('the viewer page in headless chromium', () => {
  let appDir: string;
  let work: string;
  let browser: Browser;
  const servers: ViewerServer[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'raunet-viewer-'));
    appDir = (await buildApp({ outdir: join(work, 'app'), source: true })).outdir;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    for (const s of servers) await s.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function open(options: ServeViewerOptions, query = ''): Promise<Page> {
    const server = await serveViewer({ ...options, appDir });
    servers.push(server);
    const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    await page.goto(`${server.url}${query}`);
    await page.waitForFunction(() => (window as unknown as { raunetViewer?: PageState }).raunetViewer?.state === 'ready', null, { timeout: 30_000 });
    return page;
  }
  const pageState = (page: Page) => page.evaluate(() => (window as unknown as { raunetViewer: PageState }).raunetViewer);

  /** What the page's in-browser segmentation gave (the typed arrays as plain arrays). */
  interface PageSegmentation {
    backend: string;
    seconds: number;
    mask: number[];
    probability: number[];
    dims: readonly number[];
  }

  /**
   * Chooses `file` under *Segment a CT in this browser*, runs `beforeRun` (e.g. to observe the page), presses
   * *Segment* and returns the segmentation; a failure on the page is thrown with the page's messages.
   */
  async function segmentInPage(page: Page, file: string, beforeRun: () => Promise<void> = () => Promise.resolve()): Promise<PageSegmentation> {
    await page.setInputFiles('#segment-file', file);
    await expect.poll(() => page.locator('#segment-run').isEnabled(), { timeout: 20_000 }).toBe(true);
    await beforeRun();
    await page.click('#segment-run');
    await page.waitForFunction(() => {
      const v = (window as unknown as { raunetViewer: { segmentation?: unknown } }).raunetViewer;
      return v.segmentation !== undefined || document.getElementById('segment-status')!.textContent === 'failed';
    }, null, { timeout: 240_000 });
    const result = await page.evaluate(() => {
      const s = (window as unknown as { raunetViewer: { segmentation?: { backend: string; seconds: number; mask: Volume; probability: Volume }; errors: string[] } }).raunetViewer;
      return s.segmentation ? { backend: s.segmentation.backend, seconds: s.segmentation.seconds, mask: Array.from(s.segmentation.mask.data as Uint8Array), probability: Array.from(s.segmentation.probability.data as Float32Array), dims: s.segmentation.mask.dims } : { errors: s.errors };
    });
    if ('errors' in result) throw new Error(`in-browser segmentation of ${file} failed: ${(result.errors ?? []).join('; ')}`);
    return result;
  }

  it('draws the mask over a real CT: mask-coloured pixels where the mask is, none where it is not', async () => {
    const [ct, lung] = await Promise.all([readNifti(CT), readNifti(LUNG)]);
    const [nx, ny, nz] = ct.dims;
    const inMask = (i: number, j: number, k: number) => i >= 0 && j >= 0 && i < nx && j < ny && Number(lung.data[i + nx * (j + ny * k)]) !== 0;
    // The axial slice with the most lung.
    let k = 0;
    let best = -1;
    for (let z = 0; z < nz; z++) {
      let n = 0;
      for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) if (inMask(i, j, z)) n++;
      if (n > best) [best, k] = [n, z];
    }
    // Voxels well inside (3x3 in-plane neighbourhood all lung) and well outside (none lung).
    const inside: number[][] = [];
    const outside: number[][] = [];
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        let n = 0;
        for (let dj = -1; dj <= 1; dj++) for (let di = -1; di <= 1; di++) n += inMask(i + di, j + dj, k) ? 1 : 0;
        if (n === 9) inside.push([i, j, k]);
        else if (n === 0) outside.push([i, j, k]);
      }
    }
    const page = await open({ cases: [{ name: 'cip64', ct: CT, mask: LUNG }] });
    expect((await pageState(page)).errors).toEqual([]);
    const mm = (list: number[][]) => list.map((v) => voxelToWorld(ct.affine, v));
    const colours = await page.evaluate(
      ({ centre, points }) => {
        const viewer = (window as unknown as { raunetViewer: { scene: { nv: NiivueLike; setView(v: string): void; centreOn(ct: Volume, ijk: number[]): void }; ct: { volume: Volume } } }).raunetViewer;
        const nv = viewer.scene.nv;
        viewer.scene.setView('axial');
        viewer.scene.centreOn(viewer.ct.volume, centre);
        nv.opts.crosshairWidth = 0;
        nv.drawScene();
        const gl = nv.gl;
        const { width, height } = gl.canvas;
        const pixels = new Uint8Array(width * height * 4);
        gl.readPixels(0, 0, width, height, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
        const at = (p: number[]) => {
          const pos = nv.frac2canvasPos(nv.mm2frac(p));
          if (!pos) return null;
          const [x, y] = [Math.round(pos[0]), Math.round(pos[1])];
          const o = ((height - 1 - y) * width + x) * 4;
          return [pixels[o], pixels[o + 1], pixels[o + 2]];
        };
        return { inside: points.inside.map(at), outside: points.outside.map(at) };
      },
      { centre: [Math.floor(nx / 2), Math.floor(ny / 2), k], points: { inside: mm(inside), outside: mm(outside) } },
    );
    const red = (c: number[] | null) => c !== null && c[0] >= 100 && c[0] > c[1] + 60 && c[0] > c[2] + 60;
    expect(inside.length).toBeGreaterThan(300);
    expect(outside.length).toBeGreaterThan(300);
    expect(colours.inside.filter((c) => c === null).length).toBe(0);
    expect(colours.inside.filter((c) => !red(c)).length).toBe(0);
    expect(colours.outside.filter((c) => red(c)).length).toBe(0);
    // Outside the lung the CT itself shows (grey, not black everywhere): the overlay did not hide it.
    expect(colours.outside.filter((c) => c && c[0] > 40 && c[0] === c[1] && c[1] === c[2]).length).toBeGreaterThan(100);
    const shot = join(await testOutputDir(), 'viewer-overlay.png');
    await page.screenshot({ path: shot });
    console.log(`viewer screenshot: ${shot} (axial slice ${k}: ${inside.length} voxels inside the mask red, ${outside.length} outside not red)`);
    await page.close();
  });

  it('prints the lesion volume and the DSC against the truth, and shows the mesh in 3D', async () => {
    const [lung, regions] = await Promise.all([readNifti(LUNG), readNifti(REGIONS)]);
    // A binary STL tetrahedron (4 triangles, 20 mm) at the centre of the volume, in world mm.
    const c = voxelToWorld(lung.affine, [32, 32, 40]);
    const v = [[0, 0, 0], [20, 0, 0], [0, 20, 0], [0, 0, 20]].map((d) => d.map((x, i) => x + c[i]));
    const stl = Buffer.alloc(84 + 4 * 50);
    stl.writeUInt32LE(4, 80);
    [[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]].forEach((tri, t) => tri.forEach((p, k) => v[p].forEach((x, i) => stl.writeFloatLE(x, 84 + t * 50 + 12 + k * 12 + i * 4))));
    const mesh = join(work, 'tetra.stl');
    await writeFile(mesh, stl);
    const page = await open({ cases: [{ name: 'cip64', ct: CT, mask: LUNG, truth: REGIONS, mesh }] });
    const { numbers, errors } = await pageState(page);
    expect(errors).toEqual([]);
    const mlPerVoxel = (lung.spacing[0] * lung.spacing[1] * lung.spacing[2]) / 1000;
    expect(numbers!.lesionVoxels).toBe(65624); // MANIFEST.md: nonzero 65624 voxels
    expect(numbers!.lesionMl).toBeCloseTo(4554.16, 1);
    expect(numbers!.truthMl).toBeCloseTo(66147 * mlPerVoxel, 6);
    expect(numbers!.dice).toBeCloseTo(dice(lung, regions), 10);
    const table = await page.locator('#numbers').innerText();
    expect(table).toContain('DSC');
    expect(table).toContain(numbers!.dice!.toFixed(4));
    await page.click('#view-buttons button[data-view="render"]');
    const meshes = await page.evaluate(() => (window as unknown as { raunetViewer: { scene: { nv: { meshes: { pts: ArrayLike<number> }[] } } } }).raunetViewer.scene.nv.meshes.map((m) => m.pts.length));
    expect(meshes).toEqual([36]); // one mesh: STL stores 3 vertices per triangle, 4 triangles x 3 x (x, y, z)
    expect(await page.locator('#layers [data-role="mesh"]').count()).toBe(1);
    await page.screenshot({ path: join(await testOutputDir(), 'viewer-3d.png') });
    await page.close();
  });

  it('bad input shows a visible message, never a blank page', async () => {
    const junk = join(work, 'junk.nii.gz');
    await writeFile(junk, 'this is not a NIfTI file\n');
    const page = await open({
      cases: [
        { name: 'junk', ct: junk },
        { name: '4d', ct: join(NIFTI_DATA, 'fmt_4d_int16_two_ext.nii.gz') },
        { name: 'other-grid', ct: CT, mask: join(NIFTI_DATA, 'covid19_A0004_lung_pseudolabel.nii.gz') },
      ],
    });
    const visibleErrors = () => page.locator('.message.error').allInnerTexts();
    expect((await visibleErrors()).join('\n')).toMatch(/junk\.nii\.gz.*(gzip|NIfTI)/is);
    await page.selectOption('#case-select', '4d');
    await expect.poll(async () => (await visibleErrors()).join('\n'), { timeout: 20_000 }).toMatch(/4D file/);
    await page.selectOption('#case-select', 'other-grid');
    await expect.poll(async () => (await visibleErrors()).join('\n'), { timeout: 20_000 }).toMatch(/mask is not on the CT's grid/);
    // The CT of that case still shows.
    expect(await page.evaluate(() => (window as unknown as { raunetViewer: { scene: { nv: { volumes: unknown[] } } } }).raunetViewer.scene.nv.volumes.length)).toBe(1);
    await page.close();
  });

  it('segments a real CT in the browser as `raunet predict` does in Node (lidc-nodules)', async () => {
    // Node reference: the CLI itself, flips off on both sides to keep the test short.
    const out = join(work, 'node');
    await promisify(execFile)(process.execPath, ['--conditions=@raunet/source', '--import', 'tsx', 'packages/cli/src/bin.ts', 'predict', '--model', 'lidc-nodules', '--input', VOI, '--output', join(out, 'mask.nii.gz'), '--prob', join(out, 'prob.nii.gz'), '--no-tta'], { cwd: ROOT });
    const [nodeMask, nodeProb] = await Promise.all([readNifti(join(out, 'mask.nii.gz')), readNifti(join(out, 'prob.nii.gz'))]);

    const page = await open({ models: [{ name: 'lidc-nodules', dir: MODEL_DIR, description: 'RA-Unet, LIDC nodules' }] }, '?backend=cpu&tta=off');
    const progress: number[] = [];
    const result = await segmentInPage(page, VOI, async () => {
      await page.exposeFunction('reportProgress', (v: number) => progress.push(v));
      await page.evaluate(() => {
        const bar = document.getElementById('segment-progress') as HTMLProgressElement;
        new MutationObserver(() => (window as unknown as { reportProgress(v: number): void }).reportProgress(bar.value)).observe(bar, { attributes: true });
      });
    });
    expect(result.backend).toBe('cpu');
    expect(result.dims).toEqual(nodeMask.dims);
    const browserMask: Volume = { ...nodeMask, data: Uint8Array.from(result.mask) };
    const dsc = dice(browserMask, nodeMask);
    let maxDiff = 0;
    for (let i = 0; i < result.probability.length; i++) maxDiff = Math.max(maxDiff, Math.abs(result.probability[i] - Number(nodeProb.data[i])));
    const voxels = result.mask.reduce((a, b) => a + b, 0);
    console.log(`in-browser segmentation (${result.backend}, no flips): ${result.seconds.toFixed(1)} s, ${voxels} voxels; vs raunet predict in Node: DSC ${dsc.toFixed(5)}, max |p difference| ${maxDiff.toExponential(2)}`);
    expect(voxels).toBeGreaterThan(10);
    expect(dsc).toBeGreaterThanOrEqual(0.99);
    expect(maxDiff).toBeLessThanOrEqual(1e-3);
    expect(progress.at(-1)).toBe(1);
    // The numbers panel and the download: the mask file decodes to the same mask.
    expect(await page.locator('#numbers').innerText()).toContain(String(voxels));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#segment-download')]);
    expect(download.suggestedFilename()).toBe('LIDC-IDRI-0008_R_1_mask.nii.gz');
    const saved = join(work, 'downloaded.nii.gz');
    await download.saveAs(saved);
    const downloaded = await readNifti(saved);
    expect(Array.from(downloaded.data as Uint8Array)).toEqual(result.mask);
    expect(downloaded.affine).toEqual(nodeMask.affine);
    await page.close();
  });

  it('segments with an ensemble folder (ensemble.json) as `raunet predict` does with it in Node', { timeout: 300_000 }, async () => {
    // a user's own two-network ensemble: one RA-Unet and one U-Net network of the shipped nodule models (same patch
    // and preprocessing; each shipped model is itself an ensemble of two), float16 weights
    const ens = join(work, 'ensemble');
    const cli = (...args: string[]) => promisify(execFile)(process.execPath, ['--conditions=@raunet/source', '--import', 'tsx', 'packages/cli/src/bin.ts', ...args], { cwd: ROOT });
    const [raunet, unet] = await Promise.all(['lidc-nodules', 'lidc-nodules-unet'].map(async (m) => (await networkDirs(shippedModelDir(m)))[0]));
    // stored with a test-time zoom (0.5: a quarter of the pixels, to keep the test short): the page must apply it as
    // Node does, and drop it for 'one zoom'
    await cli('ensemble', '--model', raunet, '--model', unet, '--output', ens, '--weights', 'float16', '--scale-tta', '0.5');
    const out = join(work, 'node-ensemble');
    await cli('predict', '--model', ens, '--input', VOI, '--output', join(out, 'mask.nii.gz'), '--prob', join(out, 'prob.nii.gz'), '--no-tta');
    await cli('predict', '--model', ens, '--input', VOI, '--output', join(out, 'mask1.nii.gz'), '--prob', join(out, 'prob1.nii.gz'), '--no-tta', '--scale-tta', '1');
    const [nodeMask, nodeProb, oneZoomProb] = await Promise.all(['mask', 'prob', 'prob1'].map((f) => readNifti(join(out, `${f}.nii.gz`))));
    const zoomsDiffer = nodeProb.data.some((v, i) => Math.abs(Number(v) - Number(oneZoomProb.data[i])) > 1e-2);
    expect(zoomsDiffer).toBe(true);

    const page = await open({ models: [{ name: 'nodules-ensemble', dir: ens, description: 'two networks' }] }, '?backend=cpu&tta=off');
    const statuses: string[] = [];
    const result = await segmentInPage(page, VOI, async () => {
      await page.exposeFunction('reportStatus', (v: string) => statuses.push(v));
      await page.evaluate(() => {
        const status = document.getElementById('segment-status')!;
        new MutationObserver(() => (window as unknown as { reportStatus(v: string): void }).reportStatus(status.textContent ?? '')).observe(status, { childList: true, characterData: true, subtree: true });
      });
    });
    const browserMask: Volume = { ...nodeMask, data: Uint8Array.from(result.mask) };
    let maxDiff = 0;
    for (let i = 0; i < result.probability.length; i++) maxDiff = Math.max(maxDiff, Math.abs(result.probability[i] - Number(nodeProb.data[i])));
    const dsc = dice(browserMask, nodeMask);
    console.log(`in-browser ensemble segmentation: DSC ${dsc.toFixed(5)} and max |p difference| ${maxDiff.toExponential(2)} against raunet predict in Node`);
    expect(statuses.some((t) => t.includes('an ensemble of 2 networks'))).toBe(true);
    expect(result.mask.reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    expect(dsc).toBeGreaterThanOrEqual(0.99);
    expect(maxDiff).toBeLessThanOrEqual(1e-3);
    await page.close();

    const onePage = await open({ models: [{ name: 'nodules-ensemble', dir: ens, description: 'two networks' }] }, '?backend=cpu&tta=off&zooms=one');
    const one = await segmentInPage(onePage, VOI);
    let oneDiff = 0;
    for (let i = 0; i < one.probability.length; i++) oneDiff = Math.max(oneDiff, Math.abs(one.probability[i] - Number(oneZoomProb.data[i])));
    expect(oneDiff).toBeLessThanOrEqual(1e-3);
    await onePage.close();
  });

  it('a file that is not NIfTI, or a model that does not fit, is a visible message', async () => {
    const junk = join(work, 'junk2.nii');
    await writeFile(junk, new Uint8Array(600).fill(7));
    const page = await open({ models: [{ name: 'lidc-nodules', dir: MODEL_DIR, description: '3D model' }] }, '?backend=cpu');
    await page.setInputFiles('#segment-file', junk);
    await expect.poll(async () => (await page.locator('.message.error').allInnerTexts()).join('\n'), { timeout: 20_000 }).toMatch(/junk2\.nii.*ERR_NIFTI_FORMAT/s);
    expect(await page.locator('#segment-run').isEnabled()).toBe(false);
    // A one-slice (2D) CT with the 3D nodule model.
    await page.setInputFiles('#segment-file', SLICE);
    await expect.poll(() => page.locator('#segment-run').isEnabled(), { timeout: 20_000 }).toBe(true);
    await page.click('#segment-run');
    await expect.poll(async () => (await page.locator('.message.error').allInnerTexts()).join('\n'), { timeout: 60_000 }).toMatch(/Cannot segment semiseg_000\.nii\.gz.*single slice.*model is 3D/s);
    await page.close();
  });
});
