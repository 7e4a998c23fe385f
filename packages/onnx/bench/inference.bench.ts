// `pnpm bench onnx`: the same patches through our tfjs path (cpu backend + @raunet/cpu-kernels' oneDNN
// kernels) and through ONNX Runtime's CPU provider (the graph of exportOnnx), side by side. Rows: the shipped
// lidc-nodules and covid-semiseg models on their own patch (batch 2), the paper's RA-Unet on one 192x192x32
// patch, and a whole real LIDC VOI through predictVolume (model settings, flip TTA). Median of REPEATS after
// one warm-up run each; ratio = ORT time / ours (> 1: ours faster).
// Env: REPEATS=3, PAPER=0 skips the paper-size row, THREADS=n sets ORT's intra-op threads (default: ORT's).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { readNifti } from '@raunet/io';
import { shippedModel } from '@raunet/models';
import { buildRAUnet, initBackend, loadModel, predictVolume } from '@raunet/raunet';
import * as ort from 'onnxruntime-node';
import { exportOnnx } from '../src/index.js';
import { createOnnxPatchPredictor } from '../src/node.js';
import { shippedNetworkDirs } from '../src/__fixtures__/real-data.js';

const backend = await initBackend('cpu', { nativeKernels: () => import('@raunet/cpu-kernels') });
const repeats = Number(process.env.REPEATS ?? 3);
const threads = process.env.THREADS ? Number(process.env.THREADS) : undefined;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(run: () => Promise<unknown>): Promise<number> {
  await run(); // warm-up: primitives, buffers, allocator arenas
  const xs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await run();
    xs.push((performance.now() - t) / 1000);
  }
  return median(xs);
}

async function patchRow(label: string, model: tf.LayersModel, batch: number): Promise<string[]> {
  const [, d, h, w, c] = model.inputs[0].shape as number[];
  const data = Float32Array.from({ length: batch * d * h * w * c }, (_, i) => (Math.sin(i * 0.37) + 1) / 2);
  const x = tf.tensor(data, [batch, d, h, w, c]);
  const ours = await time(async () => {
    const y = model.predict(x) as tf.Tensor;
    await y.data();
    y.dispose();
  });
  x.dispose();
  const { bytes, inputName } = exportOnnx(model);
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], ...(threads ? { intraOpNumThreads: threads } : {}) });
  const input = new ort.Tensor('float32', data, [batch, c, d, h, w]);
  const theirs = await time(() => session.run({ [inputName]: input }));
  await session.release();
  return [label, `${batch} x ${w}x${h}x${d}`, ours.toFixed(3), theirs.toFixed(3), (theirs / ours).toFixed(2)];
}

const rows: string[][] = [];
for (const name of ['lidc-nodules', 'covid-semiseg']) {
  // one network (the first member of an ensemble: ONNX holds one network)
  const model = await loadModel((await shippedNetworkDirs(name))[0]);
  rows.push(await patchRow(`${name} (shipped${shippedModel(name).members ? ', one member' : ''})`, model, 2));
  model.dispose();
}
if (process.env.PAPER !== '0') {
  const model = buildRAUnet({ seed: 1 });
  rows.push(await patchRow('paper RA-Unet (random weights)', model, 1));
  model.dispose();
}
const voi = fileURLToPath(new URL('../../../../shared/data/lesions/lidc-nodules/images/LIDC-IDRI-0001_R_1.nii.gz', import.meta.url));
if (existsSync(voi)) {
  const ct = await readNifti(voi);
  const model = await loadModel((await shippedNetworkDirs('lidc-nodules'))[0]);
  const ours = await time(() => predictVolume(model, ct, { flipTta: true }));
  const predictor = await createOnnxPatchPredictor(model, { executionProvider: 'cpu', ...(threads ? { intraOpNumThreads: threads } : {}) });
  const theirs = await time(() => predictVolume(predictor, ct, { flipTta: true }));
  await predictor.release();
  model.dispose();
  rows.push(['lidc-nodules predictVolume, real VOI (one network, flip TTA)', `[${ct.dims.slice(0, 3).join(', ')}]`, ours.toFixed(3), theirs.toFixed(3), (theirs / ours).toFixed(2)]);
}

console.log(`tfjs backend: ${backend.backend}${backend.nativeKernels ? ' + native kernels (oneDNN)' : ' (JS kernels: native kernels did not load)'}; onnxruntime-node ${ort.env.versions.node ?? ''} CPU provider; median of ${repeats}\n`);
const header = ['input', 'batch x patch (x y z) / dims', 'ours s', 'onnxruntime cpu s', 'ratio ort/ours'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r: string[]): string => `| ${r.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
console.log([line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n'));
