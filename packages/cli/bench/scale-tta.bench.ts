// `pnpm bench cli`: the cost of multi-scale test-time augmentation on the shipped `covid-semiseg` (three networks,
// flip TTA, in-plane zooms 0.8, 1 and 1.25): `predictVolume` of real COVID-SemiSeg slices with the model's zooms
// against `scaleTta: [1]`, the same slices, interleaved, in this process, native cpu kernels. Reported beside the
// arithmetic's ratios: the windows run at the three zooms over the windows at one zoom (every window takes the same
// model calls; not a strict floor, since fuller batches make a window a little cheaper), and the pixels
// (0.64 + 1 + 1.5625 = 3.2x). Needs ../shared/data/lesions (skipped without it).
// Env: SLICES (default 10: every fifth of the 50 training slices).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNifti } from '@raunet/io';
import { shippedModelDir } from '@raunet/models/node';
import { getModelInfo, initBackend, isPatchPredictor, loadPredictor, predictVolume } from '@raunet/raunet';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const images = path.resolve(root, '../shared/data/lesions/covid-semiseg/images');
if (!existsSync(images)) {
  console.log(`(no scale-TTA bench: ${images} not found)`);
  process.exit(0);
}
const backend = await initBackend('cpu', { nativeKernels: () => import('@raunet/cpu-kernels') });
if (!backend.nativeKernels) console.log('(native kernels not available: the JS cpu kernels are timed)');
const count = Number(process.env.SLICES ?? 10);
const all = readdirSync(images).filter((f) => f.endsWith('.nii.gz')).sort();
const files = all.filter((_, i) => i % Math.max(1, Math.floor(all.length / count)) === 0).slice(0, count);
const loaded = await loadPredictor(shippedModelDir('covid-semiseg'));
const zooms = (isPatchPredictor(loaded.model) ? loaded.model.info : getModelInfo(loaded.model))?.inference?.scaleTta ?? [1];

interface Run {
  seconds: number;
  windows: number;
}
const runs: Record<'one' | 'model', Run> = { one: { seconds: 0, windows: 0 }, model: { seconds: 0, windows: 0 } };
const sizes: string[] = [];
for (const [i, f] of files.entries()) {
  const ct = await readNifti(path.join(images, f));
  sizes.push(`${ct.dims[0]}x${ct.dims[1]}`);
  // alternate which setting goes first, so that drift of the machine's speed falls on both
  const order: ('one' | 'model')[] = i % 2 === 0 ? ['one', 'model'] : ['model', 'one'];
  for (const which of order) {
    let total = 0;
    const t0 = performance.now();
    await predictVolume(loaded.model, ct, { ...(which === 'one' ? { scaleTta: [1] } : {}), onProgress: (_, t) => (total = t) });
    runs[which].seconds += (performance.now() - t0) / 1000;
    runs[which].windows += total;
  }
}
loaded.dispose();

const ratio = runs.model.seconds / runs.one.seconds;
const windowRatio = runs.model.windows / runs.one.windows;
const pixels = zooms.reduce((s, z) => s + z * z, 0);
console.log(`covid-semiseg (3 networks, flip TTA), ${files.length} slices (${sizes.join(', ')} px), zooms ${zooms.join(', ')}\n`);
console.log('| | wall | windows | per window |');
console.log('|---|---:|---:|---:|');
for (const [name, r] of [['one zoom (`--scale-tta 1`)', runs.one], [`zooms ${zooms.join(', ')} (the model's)`, runs.model]] as const) {
  console.log(`| ${name} | ${r.seconds.toFixed(1)} s | ${r.windows} | ${((1000 * r.seconds) / r.windows).toFixed(0)} ms |`);
}
console.log(`\nratio ${ratio.toFixed(2)}x; the arithmetic's: ${windowRatio.toFixed(2)}x (windows run), ${pixels.toFixed(2)}x (pixels)`);
