// The viewer's cost to a user: the size of the page it downloads, and the time to segment a small real
// CT (a LIDC-IDRI nodule VOI, lidc-nodules) in headless chromium per tfjs backend, against the same
// prediction in Node on tfjs's cpu backend (the same JS kernels) measured in this run. Run with
// `pnpm bench viewer`. Flips are off (one pass per patch and network, the model's own setting: two networks)
// unless RAUNET_BENCH_TTA=1 (4 flipped passes, 4x the time).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { readNifti } from '@raunet/io';
import { shippedModelDir } from '@raunet/models/node';
import { loadPredictor, networkDirs, predictVolume } from '@raunet/raunet';
import { buildApp } from '../scripts/build-app.mjs';
import { browserSkipReason, launchChromium, LESION_DATA } from '../src/__fixtures__/browser.js';
import { serveViewer } from '../src/serve-viewer.js';

const VOI = join(LESION_DATA, 'lidc-nodules/images/LIDC-IDRI-0008_R_1.nii.gz');
const TTA = process.env.RAUNET_BENCH_TTA === '1';
const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
const MODEL_DIR = shippedModelDir('lidc-nodules');

const work = await mkdtemp(join(tmpdir(), 'raunet-viewer-bench-'));
try {
  const { outdir, files, totalBytes } = await buildApp({ outdir: join(work, 'app'), source: true });
  console.log('Viewer page (minified; gzip -9 is what a compressing server would send):\n');
  console.log('| file | bytes | gzip |\n|---|---:|---:|');
  let gzTotal = 0;
  for (const [name, size] of Object.entries(files)) {
    const gz = gzipSync(await readFile(join(outdir, name)), { level: 9 }).length;
    gzTotal += gz;
    console.log(`| ${name} | ${kib(size)} | ${kib(gz)} |`);
  }
  console.log(`| total | ${kib(totalBytes)} | ${kib(gzTotal)} |`);
  const networks = await networkDirs(MODEL_DIR);
  let weightBytes = 0;
  for (const dir of networks) weightBytes += (await readFile(join(dir, 'weights.bin'))).length;
  console.log(`\nModel lidc-nodules: ${kib(weightBytes)} of weights (${networks.length} network${networks.length > 1 ? 's' : ''}), fetched once per segmentation.\n`);

  const skip = browserSkipReason();
  if (skip) {
    console.log(`in-browser prediction not measured: ${skip}`);
  } else {
    const ct = await readNifti(VOI);
    await tf.setBackend('cpu');
    const loaded = await loadPredictor(MODEL_DIR);
    const model = loaded.model;
    await predictVolume(model, ct, { flipTta: TTA }); // warm-up
    const t0 = performance.now();
    const reference = await predictVolume(model, ct, { flipTta: TTA });
    const nodeSeconds = (performance.now() - t0) / 1000;
    loaded.dispose();
    const server = await serveViewer({ appDir: outdir, models: [{ name: 'lidc-nodules', dir: MODEL_DIR, description: '' }] });
    const browser = await launchChromium();
    console.log(`Segmenting ${VOI.split('/').pop()} (${ct.dims.join('x')} voxels), flips ${TTA ? 'on (4 passes)' : 'off'}; Node baseline (tfjs cpu backend, JS kernels, warm): ${nodeSeconds.toFixed(1)} s, ${reference.mask.data.reduce((a, b) => a + b, 0)} voxels\n`);
    console.log('| where | backend | time (s), model load included | vs Node cpu | mask voxels |\n|---|---|---:|---:|---:|');
    try {
      for (const backend of ['cpu', 'wasm', 'webgl']) {
        const page = await browser.newPage();
        let pageBytes = 0;
        let loaded = false;
        let runBytes = 0;
        page.on('response', (response) => {
          void response.body().then(
            (b) => (loaded ? (runBytes += b.length) : (pageBytes += b.length)),
            () => {},
          );
        });
        await page.goto(`${server.url}?backend=${backend}&tta=${TTA ? 'on' : 'off'}`);
        await page.waitForFunction(() => (window as unknown as { raunetViewer?: { state: string } }).raunetViewer?.state === 'ready');
        await new Promise((r) => setTimeout(r, 500));
        loaded = true;
        if (backend === 'cpu') console.log(`| page load (fetched by chromium) | | ${kib(pageBytes)} | | |`);
        await page.setInputFiles('#segment-file', VOI);
        await page.waitForFunction(() => !(document.getElementById('segment-run') as HTMLButtonElement).disabled);
        await page.click('#segment-run');
        await page.waitForFunction(() => (window as unknown as { raunetViewer: { segmentation?: unknown } }).raunetViewer.segmentation !== undefined || document.getElementById('segment-status')!.textContent === 'failed', null, { timeout: 1_800_000 });
        const r = await page.evaluate(() => {
          const v = (window as unknown as { raunetViewer: { segmentation?: { backend: string; seconds: number; mask: { data: Uint8Array } }; errors: string[] } }).raunetViewer;
          return v.segmentation ? { backend: v.segmentation.backend, seconds: v.segmentation.seconds, voxels: v.segmentation.mask.data.reduce((a, b) => a + b, 0) } : { error: v.errors.join('; ') };
        });
        if ('error' in r) console.log(`| chromium | ${backend} | failed: ${r.error} | | |`);
        else console.log(`| chromium (headless, SwiftShader WebGL) | ${r.backend} | ${r.seconds.toFixed(1)} | ${(r.seconds / nodeSeconds).toFixed(2)}x | ${r.voxels} (fetched ${kib(runBytes)}: worker, model${r.backend === 'wasm' ? ', wasm' : ''}) |`);
        await page.close();
      }
    } finally {
      await browser.close();
      await server.close();
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
