import * as tf from '@tensorflow/tfjs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVolume, FileAccessError, InvalidArgumentError, type Volume } from '@raunet/core';
import { ENSEMBLE_JSON, ensemblePatchPredictor } from './ensemble.js';
import { isEnsembleDir, loadPredictor, networkDirs, readEnsembleManifest, saveEnsemble } from './ensemble-io.js';
import { loadPredictorFromUrl } from './model-url.js';
import { buildRAUnet, buildUNet3D } from './model.js';
import { getModelInfo, setModelInfo } from './model-info.js';
import { loadModel, saveModel } from './model-io.js';
import { tfjsPatchPredictor, type PatchPredictor } from './patch-predictor.js';
import { predictVolume } from './predict.js';

let dir: string;
const models: tf.LayersModel[] = [];
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'raunet-ensemble-'));
  for (const seed of [3, 4, 5]) {
    const m = buildUNet3D({ patchSize: [16, 16, 8], levels: 2, baseFilters: 2, seed });
    setModelInfo(m, { preprocessing: { intensityScale: 'hu', window: [-1000, 600] }, inference: { threshold: 0.5, flipTta: true } });
    models.push(m);
  }
});
afterAll(async () => {
  models.forEach((m) => m.dispose());
  await rm(dir, { recursive: true, force: true });
});

function ctVolume(dims: [number, number, number]): Volume<Int16Array> {
  const n = dims[0] * dims[1] * dims[2];
  const data = new Int16Array(n);
  for (let i = 0; i < n; i++) data[i] = -1000 + ((i * 7919) % 1600);
  return createVolume({ data, dims, spacing: [1.5, 0.8, 3] });
}

/** A predictor that answers `value` for every voxel of every patch. */
function constant(value: number, patchSize: [number, number, number] = [4, 4, 2]): PatchPredictor {
  return {
    patchSize,
    predictPatches: (_p, count) => Promise.resolve(new Float32Array(count * patchSize[0] * patchSize[1] * patchSize[2]).fill(value)),
  };
}

describe('saveModel with float16 weights', () => {
  it('halves weights.bin, loads back to the float16-rounded weights, and predicts within float16 rounding', async () => {
    const model = buildRAUnet({ patchSize: [8, 8, 8], levels: 2, baseFilters: 4, attentionHeads: 2, attentionBottleneckFilters: 4, seed: 9 });
    try {
      await saveModel(model, join(dir, 'f32'));
      await saveModel(model, join(dir, 'f16'), { weightDtype: 'float16' });
      const b32 = (await stat(join(dir, 'f32', 'weights.bin'))).size;
      const b16 = (await stat(join(dir, 'f16', 'weights.bin'))).size;
      expect(b16 * 2).toBe(b32);
      const json = JSON.parse(await readFile(join(dir, 'f16', 'model.json'), 'utf8'));
      expect(json.weightsManifest[0].weights.every((w: tf.io.WeightsManifestEntry) => w.quantization?.dtype === 'float16')).toBe(true);

      const half = await loadModel(join(dir, 'f16'));
      // each weight is its float32 value rounded to the nearest half: within 2^-11 relative (2^-25 near zero)
      model.weights.forEach((w, i) => {
        const a = w.read().dataSync();
        const b = half.weights[i].read().dataSync();
        for (let k = 0; k < a.length; k++) expect(Math.abs(b[k] - a[k])).toBeLessThanOrEqual(Math.max(Math.abs(a[k]) * 2 ** -11, 2 ** -25));
      });
      const x = tf.randomUniform([1, 8, 8, 8, 1], 0, 1, 'float32', 2);
      const [p32, p16] = [model.predict(x) as tf.Tensor, half.predict(x) as tf.Tensor];
      const diff = tf.max(tf.abs(tf.sub(p32, p16))).dataSync()[0];
      expect(diff).toBeGreaterThan(0); // the weights did change
      expect(diff).toBeLessThan(5e-3);
      expect(getModelInfo(half)).toEqual(getModelInfo(model));
      tf.dispose([x, p32, p16]);
      half.dispose();
    } finally {
      model.dispose();
    }
  });

  it('refuses an unknown weight dtype', async () => {
    await expect(saveModel(models[0], join(dir, 'bad'), { weightDtype: 'int8' as 'float16' })).rejects.toThrow(InvalidArgumentError);
  });
});

describe('saveModel with uint8 weights', () => {
  it('stores each kernel on 256 levels of its range with 0 exact, vectors as float16, and loads back within half a level', async () => {
    const model = buildRAUnet({ patchSize: [8, 8, 8], levels: 2, baseFilters: 4, attentionHeads: 2, attentionBottleneckFilters: 4, seed: 9 });
    try {
      // a kernel with exact zeros and an all-positive one, besides the initializer's kernels
      const kernels = model.weights.filter((w) => w.shape.length >= 2);
      const [k0, k1] = [kernels[0], kernels[1]];
      const withZeros = k0.read().dataSync().slice();
      for (let i = 0; i < withZeros.length; i += 3) withZeros[i] = 0;
      tf.tidy(() => {
        k0.write(tf.tensor(withZeros, k0.read().shape));
        k1.write(tf.abs(k1.read()));
      });
      await saveModel(model, join(dir, 'u8'), { weightDtype: 'uint8' });
      const json = JSON.parse(await readFile(join(dir, 'u8', 'model.json'), 'utf8'));
      const specs: tf.io.WeightsManifestEntry[] = json.weightsManifest[0].weights;
      const count = (s: tf.io.WeightsManifestEntry) => s.shape.reduce((a, b) => a * b, 1);
      for (const s of specs) expect(s.quantization?.dtype).toBe(s.shape.length >= 2 ? 'uint8' : 'float16');
      const expectedBytes = specs.reduce((n, s) => n + count(s) * (s.shape.length >= 2 ? 1 : 2), 0);
      expect((await stat(join(dir, 'u8', 'weights.bin'))).size).toBe(expectedBytes);

      const loaded = await loadModel(join(dir, 'u8'));
      model.weights.forEach((w, i) => {
        const a = w.read().dataSync();
        const b = loaded.weights[i].read().dataSync();
        if (w.shape.length < 2) {
          for (let k = 0; k < a.length; k++) expect(Math.abs(b[k] - a[k])).toBeLessThanOrEqual(Math.max(Math.abs(a[k]) * 2 ** -11, 2 ** -25));
          return;
        }
        // the range widened to include 0, in 255 steps: every weight within half a step, at most 256 values
        const lo = Math.min(0, ...a);
        const hi = Math.max(0, ...a);
        const step = (hi - lo) / 255;
        for (let k = 0; k < a.length; k++) {
          expect(Math.abs(b[k] - a[k])).toBeLessThanOrEqual(step / 2 + 1e-6 * (hi - lo));
          if (a[k] === 0) expect(b[k]).toBe(0);
        }
        expect(new Set(b).size).toBeLessThanOrEqual(256);
      });
      expect(loaded.weights[model.weights.indexOf(k1)].read().dataSync().every((v) => v >= 0)).toBe(true);
      expect(getModelInfo(loaded)).toEqual(getModelInfo(model));
      loaded.dispose();
    } finally {
      model.dispose();
    }
  });
});

describe('ensemblePatchPredictor', () => {
  it('averages the members patch by patch', async () => {
    const e = ensemblePatchPredictor([constant(0.2), constant(0.6), constant(0.7)]);
    const p = await e.predictPatches(new Float32Array(2 * 32), 2);
    expect(p.length).toBe(64);
    for (const v of p) expect(v).toBeCloseTo(0.5, 6);
    expect(e.patchSize).toEqual([4, 4, 2]);
    expect(e.precision).toBe('fp32');
  });

  it('gives the mean of the members’ own whole-volume probability maps through predictVolume (blending, flips and resampling are linear)', async () => {
    const ct = ctVolume([23, 19, 11]);
    const own = await Promise.all(models.map((m) => predictVolume(m, ct, { overlap: 0.5 })));
    const before = tf.memory().numTensors;
    const e = ensemblePatchPredictor(models.map((m) => tfjsPatchPredictor(m)));
    const { probability, mask } = await predictVolume(e, ct, { overlap: 0.5 });
    expect(tf.memory().numTensors).toBe(before);
    expect(probability.dims).toEqual(ct.dims);
    let maxDiff = 0;
    let spread = 0;
    for (let i = 0; i < probability.data.length; i++) {
      const mean = (own[0].probability.data[i] + own[1].probability.data[i] + own[2].probability.data[i]) / 3;
      maxDiff = Math.max(maxDiff, Math.abs(probability.data[i] - mean));
      spread = Math.max(spread, Math.abs(own[0].probability.data[i] - own[1].probability.data[i]));
      expect(mask.data[i]).toBe(probability.data[i] >= 0.5 ? 1 : 0);
    }
    expect(spread).toBeGreaterThan(1e-3); // the members differ, so the test can tell a mean from a member
    expect(maxDiff).toBeLessThan(1e-6);
  });

  it('takes the first member’s settings, or the ones given', () => {
    const members = models.map((m) => tfjsPatchPredictor(m));
    expect(ensemblePatchPredictor(members).info?.inference).toEqual({ threshold: 0.5, flipTta: true });
    expect(ensemblePatchPredictor(members, { inference: { threshold: 0.3 } }).info?.inference).toEqual({ threshold: 0.3, flipTta: true });
    expect(() => ensemblePatchPredictor([constant(0.5)], { inference: { threshold: 0.3 } })).toThrow(/RA-Unet metadata/);
  });

  it('refuses no members, and members that differ in patch size or preprocessing', () => {
    expect(() => ensemblePatchPredictor([])).toThrow(InvalidArgumentError);
    expect(() => ensemblePatchPredictor([constant(0.5), constant(0.5, [4, 4, 4])])).toThrow(/member 1 has patch 4x4x4, member 0 4x4x2/);
    const other = buildUNet3D({ patchSize: [16, 16, 8], levels: 2, baseFilters: 2, seed: 6 });
    try {
      setModelInfo(other, { preprocessing: { intensityScale: 'raw', window: [0, 255] } });
      expect(() => ensemblePatchPredictor([tfjsPatchPredictor(models[0]), tfjsPatchPredictor(other)])).toThrow(/member 1 stores the preprocessing .*raw/);
    } finally {
      other.dispose();
    }
  });
});

describe('saveEnsemble / loadPredictor', () => {
  it('writes member folders and ensemble.json, and loads an ensemble that predicts as the members’ mean', async () => {
    const memberDirs: string[] = [];
    for (let i = 0; i < 2; i++) {
      memberDirs.push(join(dir, `fold-${i}`));
      await saveModel(models[i], memberDirs[i]);
    }
    const target = join(dir, 'ens');
    await saveEnsemble(target, memberDirs, { weightDtype: 'float16', inference: { threshold: 0.4 } });
    expect((await readdir(target)).sort()).toEqual([ENSEMBLE_JSON, 'member-0', 'member-1']);
    expect(await isEnsembleDir(target)).toBe(true);
    expect(await isEnsembleDir(memberDirs[0])).toBe(false);
    const manifest = await readEnsembleManifest(target);
    expect(manifest.members).toEqual(['member-0', 'member-1']);
    expect(manifest.inference).toEqual({ threshold: 0.4 });
    expect(await networkDirs(target)).toEqual([join(target, 'member-0'), join(target, 'member-1')]);
    expect(await networkDirs(memberDirs[0])).toEqual([memberDirs[0]]);
    expect((await stat(join(target, 'member-0', 'weights.bin'))).size * 2).toBe((await stat(join(memberDirs[0], 'weights.bin'))).size);

    const before = tf.memory().numTensors;
    const loaded = await loadPredictor(target);
    expect(loaded.members).toBe(2);
    const ct = ctVolume([20, 17, 9]);
    const { probability, mask } = await predictVolume(loaded.model, ct);
    const own = await Promise.all(memberDirs.map(async (d) => {
      const m = await loadModel(d);
      try {
        return (await predictVolume(m, ct)).probability;
      } finally {
        m.dispose();
      }
    }));
    let maxDiff = 0;
    for (let i = 0; i < probability.data.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(probability.data[i] - (own[0].data[i] + own[1].data[i]) / 2));
      // the ensemble's threshold (0.4) applies, with the members' flip TTA
      expect(mask.data[i]).toBe(probability.data[i] >= 0.4 ? 1 : 0);
    }
    expect(maxDiff).toBeLessThan(5e-3); // float16 members against float32 ones
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);

    const single = await loadPredictor(memberDirs[0]);
    expect(single.members).toBe(1);
    expect(single.model).toHaveProperty('predict');
    single.dispose();
  });

  it('names ensemble.json when it is not a usable manifest', async () => {
    const bad = join(dir, 'bad-ens');
    await mkdir(bad, { recursive: true });
    const cases: [unknown, RegExp][] = [
      [{ format: 'other', version: 1, members: ['a'] }, /"format" must be "raunet-ensemble"/],
      [{ format: 'raunet-ensemble', version: 2, members: ['a'] }, /version 2 is not supported/],
      [{ format: 'raunet-ensemble', version: 1, members: [] }, /lists no members/],
      [{ format: 'raunet-ensemble', version: 1, members: ['../elsewhere'] }, /not a folder inside the ensemble folder/],
      [{ format: 'raunet-ensemble', version: 1, members: ['a/../../b'] }, /"a\/..\/..\/b" is not a folder inside/],
      [{ format: 'raunet-ensemble', version: 1, members: ['/abs'] }, /not a folder inside the ensemble folder/],
      [{ format: 'raunet-ensemble', version: 1, members: ['C:\\x'] }, /not a folder inside the ensemble folder/],
    ];
    for (const [json, message] of cases) {
      await writeFile(join(bad, ENSEMBLE_JSON), JSON.stringify(json));
      const error = await readEnsembleManifest(bad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FileAccessError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toContain(join(bad, ENSEMBLE_JSON));
    }
    await writeFile(join(bad, ENSEMBLE_JSON), '{"format": "raunet-ensemble", "version": 1, "members": ["missing"]}');
    const missing = await loadPredictor(bad).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(FileAccessError);
    expect((missing as Error).message).toContain(join(bad, 'missing', 'model.json'));
  });

  it('refuses members that cannot be averaged, and writes nothing', async () => {
    const other = buildUNet3D({ patchSize: [8, 8, 8], levels: 2, baseFilters: 2, seed: 6 });
    try {
      await saveModel(other, join(dir, 'other'));
    } finally {
      other.dispose();
    }
    await saveModel(models[0], join(dir, 'first'));
    await expect(saveEnsemble(join(dir, 'mixed'), [join(dir, 'first'), join(dir, 'other')])).rejects.toThrow(/member 1 has patch 8x8x8/);
    await expect(stat(join(dir, 'mixed'))).rejects.toThrow();
  });
});

describe('loadPredictorFromUrl', () => {
  /** A `fetch` serving the files under `root` at http://127.0.0.1/m/..., counting the requests. */
  function folderFetch(root: string, requests: string[]): typeof fetch {
    return async (input: RequestInfo | URL) => {
      const url = input instanceof Request ? input.url : input.toString();
      requests.push(url);
      try {
        return new Response(await readFile(join(root, url.replace('http://127.0.0.1/m/', ''))), { status: 200 });
      } catch {
        return new Response('no such file', { status: 404, statusText: 'Not Found' });
      }
    };
  }

  it('loads an ensemble.json URL as the mean of its members, as loadPredictor loads the folder, and a model.json URL as one model', async () => {
    const memberDirs = [join(dir, 'url-0'), join(dir, 'url-1')];
    await saveModel(models[1], memberDirs[0]);
    await saveModel(models[2], memberDirs[1]);
    const target = join(dir, 'url-ens');
    await saveEnsemble(target, memberDirs, { weightDtype: 'float16', inference: { threshold: 0.45 } });
    const requests: string[] = [];
    const progress: number[] = [];
    const before = tf.memory().numTensors;
    const overHttp = await loadPredictorFromUrl('http://127.0.0.1/m/ensemble.json', { fetchFunc: folderFetch(target, requests), onProgress: (f) => progress.push(f) });
    expect(overHttp.members).toBe(2);
    expect(requests.map((u) => u.replace('/./', '/'))).toEqual([
      'http://127.0.0.1/m/ensemble.json',
      'http://127.0.0.1/m/member-0/model.json',
      'http://127.0.0.1/m/member-0/weights.bin',
      'http://127.0.0.1/m/member-1/model.json',
      'http://127.0.0.1/m/member-1/weights.bin',
    ]);
    expect(progress.at(-1)).toBeCloseTo(1, 6);
    expect(progress.every((f, i) => f >= (progress[i - 1] ?? 0))).toBe(true);
    const fromDisk = await loadPredictor(target);
    const ct = ctVolume([18, 15, 9]);
    const a = await predictVolume(overHttp.model, ct);
    const b = await predictVolume(fromDisk.model, ct);
    expect(Array.from(a.probability.data)).toEqual(Array.from(b.probability.data));
    expect(Array.from(a.mask.data)).toEqual(Array.from(b.mask.data));
    overHttp.dispose();
    fromDisk.dispose();
    expect(tf.memory().numTensors).toBe(before);

    const single = await loadPredictorFromUrl('http://127.0.0.1/m/member-0/model.json', { fetchFunc: folderFetch(target, []) });
    expect(single.members).toBe(1);
    expect(single.model).toHaveProperty('predict');
    single.dispose();
  });

  it('names the URL that cannot be fetched or is not an ensemble manifest, and frees members already loaded', async () => {
    const root = join(dir, 'url-bad');
    await mkdir(root, { recursive: true });
    const fetchFunc = folderFetch(root, []);
    const missing = await loadPredictorFromUrl('http://127.0.0.1/m/ensemble.json', { fetchFunc }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(FileAccessError);
    expect((missing as Error).message).toBe('http://127.0.0.1/m/ensemble.json: cannot fetch an ensemble manifest: HTTP 404 Not Found');
    await writeFile(join(root, ENSEMBLE_JSON), JSON.stringify({ format: 'raunet-ensemble', version: 1, members: ['../x'] }));
    await expect(loadPredictorFromUrl('http://127.0.0.1/m/ensemble.json', { fetchFunc })).rejects.toThrow(/ensemble.json: ensemble member "..\/x" is not a folder inside the ensemble folder/);
    await saveModel(models[0], join(root, 'ok'));
    await writeFile(join(root, ENSEMBLE_JSON), JSON.stringify({ format: 'raunet-ensemble', version: 1, members: ['ok', 'gone'] }));
    const before = tf.memory().numTensors;
    const gone = await loadPredictorFromUrl('http://127.0.0.1/m/ensemble.json', { fetchFunc }).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(FileAccessError);
    expect((gone as Error).message).toContain('http://127.0.0.1/m/gone/model.json');
    expect(tf.memory().numTensors).toBe(before); // member 'ok' was loaded, then freed
  });
});
