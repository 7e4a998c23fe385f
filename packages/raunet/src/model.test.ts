import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@raunet/core';
import type { RAUnetConfig } from './config.js';
import { defaultRAUnetConfig, levelGeometry } from './config.js';
import { buildRAUnet, buildUNet3D, summarizeModel } from './model.js';
import { getModelInfo } from './model-info.js';
import { loadModel, saveModel } from './model-io.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'raunet-model-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One optimizer step on a soft-Dice-like loss (training-mode batch norm); returns the loss. */
function trainStep(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, optimizer: tf.Optimizer): number {
  const cost = optimizer.minimize(() => {
    const p = model.apply(x, { training: true }) as tf.Tensor;
    return tf.sub<tf.Scalar>(1, tf.div(tf.mul(2, tf.sum(tf.mul(p, y))), tf.add(tf.add(tf.sum(p), tf.sum(y)), 1e-5)));
  }, true)!;
  const v = cost.dataSync()[0];
  cost.dispose();
  return v;
}

/** Builds, trains one step, checks tensors stay flat, saves/loads with identical predictions. */
async function checkTrainSaveLoad(config: Partial<RAUnetConfig>, name: string): Promise<tf.LayersModel> {
  const model = buildRAUnet({ ...config, seed: 4 });
  const [px, py, pz] = config.patchSize!;
  const x = tf.randomUniform([2, pz, py, px, 1], 0, 1, 'float32', 5);
  const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([2, pz, py, px, 1], 0, 1, 'float32', 6), 0.7), 'float32'));
  const optimizer = tf.train.adam(1e-3);
  const before = model.getWeights().map((w) => w.dataSync().slice());
  expect(Number.isFinite(trainStep(model, x, y, optimizer))).toBe(true);
  const after = model.getWeights();
  expect(after.some((w, i) => w.dataSync().some((v, j) => v !== before[i][j]))).toBe(true);
  const count = tf.memory().numTensors;
  expect(Number.isFinite(trainStep(model, x, y, optimizer))).toBe(true);
  tf.dispose(model.predict(x));
  expect(tf.memory().numTensors).toBe(count);

  const target = join(dir, name);
  await saveModel(model, target);
  const loaded = await loadModel(target);
  const a = model.predict(x) as tf.Tensor;
  const b = loaded.predict(x) as tf.Tensor;
  expect(b.shape).toEqual([2, pz, py, px, 1]);
  expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
  expect(getModelInfo(loaded)?.config.poolStrides).toEqual(config.poolStrides);
  tf.dispose([x, y, a, b]);
  optimizer.dispose();
  loaded.dispose();
  return model;
}

/** Trainable parameters of the default U-Net counted by hand from the architecture (bias-free convs + batch norm γ, β). */
function handCountUNet(): { trainable: number; moving: number } {
  const f = [16, 32, 64, 128, 256];
  let trainable = 0;
  let moving = 0;
  const bn = (c: number): void => {
    trainable += 2 * c;
    moving += 2 * c;
  };
  const res = (cin: number, c: number): void => {
    trainable += 27 * cin * c + 27 * c * c;
    bn(c);
    bn(c);
    if (cin !== c) {
      trainable += cin * c;
      bn(c);
    }
  };
  let cin = 1;
  for (let l = 0; l < 5; l++) {
    if (l > 0) {
      trainable += 27 * f[l - 1] * f[l - 1]; // stride-2 3x3x3 conv keeps channels
      bn(f[l - 1]);
      cin = f[l - 1];
    }
    res(cin, f[l]);
    res(f[l], f[l]);
    cin = f[l];
  }
  for (let l = 3; l >= 0; l--) {
    trainable += cin * f[l]; // 1x1x1 projection after trilinear upsampling
    bn(f[l]);
    res(2 * f[l], f[l]);
    cin = f[l];
  }
  trainable += 16 + 1; // head 1x1x1 conv + bias
  return { trainable, moving };
}

describe('buildRAUnet (default, symbolic only)', () => {
  it('builds the paper model at 192x192x32 with the expected shapes and parameter count', () => {
    const model = buildRAUnet();
    expect(model.inputs[0].shape).toEqual([null, 32, 192, 192, 1]);
    expect(model.outputs[0].shape).toEqual([null, 32, 192, 192, 1]);
    const s = summarizeModel(model);
    // The figure stated in the README and in buildRAUnet's TSDoc.
    expect(s.trainableParameters).toBe(10_748_817);
    expect(s.nonTrainableParameters).toBe(7_744);
    const ra = s.layers.find((l) => l.className === 'raunet>RABlock3D')!;
    expect(ra.name).toBe('dec3_ra');
    expect(ra.outputShape).toEqual([null, 4, 24, 24, 128]); // 2,304 tokens, the level above the bottleneck
    const info = getModelInfo(model)!;
    expect(info.architecture).toBe('raunet');
    expect(info.config.attentionLevel).toBe(3);
    expect(s.text).toContain('trainable 10748817');
    model.dispose();
  });

  it("the paper's literal forms: parameter counts at the paper's size (as in docs/method.md)", () => {
    const count = (config: Partial<RAUnetConfig>, build = buildRAUnet): [number, number] => {
      const m = build(config);
      const s = summarizeModel(m);
      m.dispose();
      return [s.trainableParameters, s.nonTrainableParameters];
    };
    // strided first residual blocks instead of the separate stride-2 conv + BN + ReLU: 587,520 + 480 fewer
    expect(count({ downsample: 'strided-block' })).toEqual([10_160_817, 7_264]);
    // no attention output projection: 32 x 32 fewer
    expect(count({ attentionOutputProjection: false })).toEqual([10_747_793, 7_744]);
    // all three literal choices (no up-projection either: the decoder blocks then take 3f channels)
    const literal = { downsample: 'strided-block', upsampleProjection: false, attentionOutputProjection: false } as const;
    expect(count(literal)).toEqual([10_725_073, 6_784]);
    expect(count(literal, buildUNet3D)).toEqual([10_711_761, 6_400]);
    expect(count({}, buildUNet3D)).toEqual([10_734_481, 7_360]);
  });

  it('the U-Net baseline equals the hand count and is RA-Unet minus the RA block', () => {
    const unet = buildUNet3D();
    const s = summarizeModel(unet);
    const hand = handCountUNet();
    expect(s.trainableParameters).toBe(hand.trainable);
    expect(s.nonTrainableParameters).toBe(hand.moving);
    expect(s.layers.some((l) => l.className === 'raunet>RABlock3D')).toBe(false);
    const ra = buildRAUnet();
    const raLayer = summarizeModel(ra).layers.find((l) => l.className === 'raunet>RABlock3D')!;
    expect(summarizeModel(ra).trainableParameters).toBe(hand.trainable + raLayer.trainable);
    unet.dispose();
    ra.dispose();
  });
});

describe('buildRAUnet (small)', () => {
  const small = { patchSize: [16, 16, 8] as [number, number, number], levels: 3, baseFilters: 4, attentionHeads: 2, attentionBottleneckFilters: 4 };

  it('runs a forward pass with sigmoid outputs of the input shape', () => {
    const model = buildRAUnet({ ...small, seed: 3 });
    const x = tf.randomUniform([2, 8, 16, 16, 1], 0, 1, 'float32', 1);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 8, 16, 16, 1]);
    const v = y.dataSync();
    expect(Math.min(...v)).toBeGreaterThan(0);
    expect(Math.max(...v)).toBeLessThan(1);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('is deterministic given a seed, different for another seed', () => {
    const a = buildRAUnet({ ...small, seed: 7 });
    const b = buildRAUnet({ ...small, seed: 7 });
    const c = buildRAUnet({ ...small, seed: 8 });
    const wa = a.getWeights().map((w) => Array.from(w.dataSync()));
    const wb = b.getWeights().map((w) => Array.from(w.dataSync()));
    const wc = c.getWeights().map((w) => Array.from(w.dataSync()));
    expect(wb).toEqual(wa);
    expect(wc).not.toEqual(wa);
    // kernels are He-normal: std close to sqrt(2 / fan_in)
    const k = a.getLayer('enc1_block1').getWeights()[0];
    const data = Array.from(k.dataSync());
    const std = Math.sqrt(data.reduce((s, x) => s + x * x, 0) / data.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / (27 * 8)), 1);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('places the RA block at a configurable level and supports every normalization', () => {
    for (const normalization of ['batch', 'instance', 'group', 'none'] as const) {
      const m = buildRAUnet({ ...small, baseFilters: 8, normalization, groups: 4, attentionLevel: 0 });
      const ra = summarizeModel(m).layers.find((l) => l.className === 'raunet>RABlock3D')!;
      expect(ra.outputShape).toEqual([null, 8, 16, 16, 8]);
      m.dispose();
    }
  });

  it('rejects sizes that are not multiples of the strides and bad fields', () => {
    expect(() => buildRAUnet({ patchSize: [100, 192, 32] })).toThrow(InvalidArgumentError);
    expect(() => buildRAUnet({ patchSize: [100, 192, 32] })).toThrow(/patchSize x = 100 voxels must be a positive multiple of 16, the product of the x strides/);
    expect(() => buildRAUnet({ ...small, attentionLevel: 2 })).toThrow(/attentionLevel/);
    expect(() => buildRAUnet({ ...small, levels: 0 })).toThrow(/levels/);
    expect(() => buildRAUnet({ ...small, filters: [4, 8] })).toThrow(/filters/);
    expect(() => buildRAUnet({ ...small, poolStrides: [[2, 2, 2]] })).toThrow(/poolStrides must hold 2 \(x, y, z\) triples/);
    expect(() => buildRAUnet({ ...small, poolStrides: [[2, 2, 2], [2, 2, 0]] })).toThrow(InvalidArgumentError);
    expect(() => buildRAUnet({ ...small, patchSize: [16, 16, 2], poolStrides: [[2, 2, 2], [2, 2, 2]] })).toThrow(
      /patchSize z = 2 voxels must be a positive multiple of 4, the product of the z strides \(poolStrides/,
    );
    expect(() => buildRAUnet({ ...small, kernelSizes: [[3, 3, 3]] })).toThrow(/kernelSizes must hold 3/);
    expect(() => buildRAUnet({ ...small, kernelSizes: [[3, 3, 2], [3, 3, 3], [3, 3, 3]] })).toThrow(/odd/);
    expect(() => buildRAUnet({ ...small, kernelSizes: [[3, 3, 1], [3, 3, 1], [3, 3, 3]], downsampleKernel: 5 })).toThrow(/downsampleKernel/);
    expect(() => buildRAUnet({ ...small, normEpsilon: 0 })).toThrow(/normEpsilon/);
    expect(() => buildRAUnet({ ...small, downsample: 'pool' as 'conv' })).toThrow(/downsample/);
    expect(() => buildRAUnet({ ...small, downsamplePadding: 'valid' as 'same' })).toThrow(/downsamplePadding/);
  });

  it("names the config's own fields when the RA bottleneck does not split into heads (baseFilters: 4, levels: 3)", () => {
    const build = () => buildRAUnet({ patchSize: [16, 16, 8], levels: 3, baseFilters: 4 });
    expect(build).toThrow(
      "buildRAUnet: the RA block's bottleneck (8 channels at decoder level 1 / 4 = 2) must be a positive multiple of attentionHeads = 4; set attentionBottleneckFilters (e.g. 4), attentionHeads (e.g. 2) or a larger baseFilters",
    );
    expect(() => buildRAUnet({ patchSize: [16, 16, 8], levels: 3, baseFilters: 4, attentionBottleneckFilters: 6 })).toThrow(/attentionBottleneckFilters = 6\) must be a positive multiple of attentionHeads = 4/);
    // each suggested fix builds
    for (const fix of [{ attentionBottleneckFilters: 4 }, { attentionHeads: 2 }]) buildRAUnet({ patchSize: [16, 16, 8], levels: 3, baseFilters: 4, ...fix }).dispose();
  });

  it('keeps the paper defaults in defaultRAUnetConfig', () => {
    expect(defaultRAUnetConfig.patchSize).toEqual([192, 192, 32]);
    expect(defaultRAUnetConfig.levels).toBe(5);
    expect(defaultRAUnetConfig.baseFilters).toBe(16);
    expect(defaultRAUnetConfig.encoderBlocks).toBe(2);
    expect(defaultRAUnetConfig.decoderBlocks).toBe(1);
    expect(defaultRAUnetConfig.normalization).toBe('batch');
    expect(defaultRAUnetConfig.attentionHeads).toBe(4);
    expect(defaultRAUnetConfig.normEpsilon).toBe(1e-5);
    expect(defaultRAUnetConfig.downsamplePadding).toBe('symmetric');
    expect(defaultRAUnetConfig.downsample).toBe('conv');
    expect(defaultRAUnetConfig.poolStrides).toBeUndefined();
    expect(defaultRAUnetConfig.kernelSizes).toBeUndefined();
  });
});

describe('buildRAUnet fidelity options', () => {
  const small = { patchSize: [16, 16, 8] as [number, number, number], levels: 3, baseFilters: 4, attentionHeads: 2, attentionBottleneckFilters: 4 };

  it('passes normEpsilon to every normalization and stores it in the layer configs', () => {
    for (const normalization of ['batch', 'instance', 'group'] as const) {
      const m = buildRAUnet({ ...small, normalization, groups: 2, normEpsilon: 1e-4 });
      const epsilons = m.layers.map((l) => (l.getConfig() as { epsilon?: number }).epsilon).filter((e) => e !== undefined);
      // 2 downsampling + 2 up-projection norms, 8 residual blocks, 1 RA block
      expect(epsilons.length).toBe(13);
      expect(new Set(epsilons)).toEqual(new Set([1e-4]));
      m.dispose();
    }
    const d = buildRAUnet(small);
    expect(new Set(d.layers.map((l) => (l.getConfig() as { epsilon?: number }).epsilon).filter((e) => e !== undefined))).toEqual(new Set([1e-5]));
    d.dispose();
  });

  it("pads the downsampling convolutions symmetrically ('symmetric') or as TF 'same' (legacy layout)", () => {
    // the downsampling convolution into level l has level l's kernel
    const m = buildRAUnet({ ...small, kernelSizes: [[3, 3, 1], [3, 3, 1], [3, 3, 3]] });
    expect(m.getLayer('enc1_down_pad').getConfig().padding).toEqual([[0, 0], [1, 1], [1, 1]]); // [z, y, x]: k = 1 along z
    expect(m.getLayer('enc2_down_pad').getConfig().padding).toEqual([[1, 1], [1, 1], [1, 1]]);
    expect(m.getLayer('enc1_down_conv').getConfig()).toMatchObject({ padding: 'valid', strides: [2, 2, 2], kernelSize: [1, 3, 3] });
    expect(m.getLayer('enc2_down_conv').getConfig()).toMatchObject({ padding: 'valid', strides: [2, 2, 2], kernelSize: [3, 3, 3] });
    expect(m.getLayer('enc1_block0').getConfig()).toMatchObject({ padding: 'symmetric', kernelSize: [1, 3, 3] });
    expect(m.getLayer('enc2_block0').getConfig()).toMatchObject({ kernelSize: [3, 3, 3] });
    const legacy = buildRAUnet({ ...small, downsamplePadding: 'same' });
    expect(legacy.layers.some((l) => l.name.endsWith('_pad'))).toBe(false);
    expect(legacy.getLayer('enc1_down_conv').getConfig()).toMatchObject({ padding: 'same' });
    // same weights, same count
    expect(summarizeModel(legacy).trainableParameters).toBe(summarizeModel(buildRAUnet(small)).trainableParameters);
    [m, legacy].forEach((x) => x.dispose());
  });

  it("downsample 'strided-block' strides the first residual block of each level instead of a separate convolution", () => {
    const m = buildRAUnet({ ...small, downsample: 'strided-block', poolStrides: [[2, 2, 1], [2, 2, 2]] });
    expect(m.layers.some((l) => l.name.includes('_down'))).toBe(false);
    expect(m.getLayer('enc1_block0').getConfig()).toMatchObject({ strides: [1, 2, 2], padding: 'symmetric' });
    expect(m.getLayer('enc1_block1').getConfig()).toMatchObject({ strides: [1, 1, 1] });
    expect(m.getLayer('enc2_block0').getConfig()).toMatchObject({ strides: [2, 2, 2] });
    expect(m.getLayer('enc2_block0').outputShape).toEqual([null, 4, 4, 4, 16]);
    m.dispose();
  });
});

describe('models saved before the fidelity options', () => {
  const small = { patchSize: [16, 16, 8] as [number, number, number], levels: 3, baseFilters: 4, attentionHeads: 2, attentionBottleneckFilters: 4 };

  async function artifactsOf(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        saved = a;
        return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
      }),
    );
    return saved!;
  }

  /** The model.json of the former layout: layer configs without padding, keyBias and outputProjection (saved as snake_case). */
  function asLegacy(artifacts: tf.io.ModelArtifacts): tf.io.ModelArtifacts {
    const topology = JSON.parse(JSON.stringify(artifacts.modelTopology)) as {
      config: { layers: { class_name: string; config: Record<string, unknown> }[] };
    };
    for (const layer of topology.config.layers) {
      if (layer.class_name === 'raunet>ResidualBlock3D') delete layer.config.padding;
      if (layer.class_name === 'raunet>RABlock3D') {
        delete layer.config.key_bias; // model.json keys are snake_case
        delete layer.config.output_projection;
      }
    }
    return { ...artifacts, modelTopology: topology };
  }

  it("load with their epsilon 1e-3 and 'same' padding and predict identically", async () => {
    // what buildRAUnet made before: TF 'same' strided convolutions, epsilon 1e-3
    const old = buildRAUnet({ ...small, downsamplePadding: 'same', normEpsilon: 1e-3, seed: 9 });
    const x = tf.randomUniform([1, 8, 16, 16, 1], 0, 1, 'float32', 10);
    for (const k of [1, 2]) tf.tidy(() => void old.apply(tf.randomUniform([2, 8, 16, 16, 1], 0, 1, 'float32', k), { training: true }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(asLegacy(await artifactsOf(old))));
    for (const layer of loaded.layers) {
      const config = layer.getConfig() as { epsilon?: number; padding?: string };
      if (config.epsilon !== undefined) expect(config.epsilon).toBe(1e-3);
      if (layer.getClassName() === 'raunet>ResidualBlock3D') expect(config.padding).toBe('same');
    }
    const a = old.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    [old, loaded].forEach((m) => m.dispose());
  });

  it('load with the key bias they were saved with (normalization none: useBias on)', async () => {
    const model = buildRAUnet({ ...small, normalization: 'none', downsamplePadding: 'same', seed: 11 });
    const artifacts = asLegacy(await artifactsOf(model));
    // the former RA block had a key bias: append it to the weights as a saved model holds it
    const keyBias = new Float32Array([0.3, -0.2, 0.1, 0.5]);
    const data = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
    const joined = new Uint8Array(data.length + keyBias.byteLength);
    joined.set(data);
    joined.set(new Uint8Array(keyBias.buffer), data.length);
    const legacy = {
      ...artifacts,
      weightSpecs: [...artifacts.weightSpecs!, { name: 'dec1_ra/key_bias', shape: [4], dtype: 'float32' as const }],
      weightData: joined.buffer,
    };
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(legacy));
    const ra = loaded.getLayer('dec1_ra');
    expect(ra.getConfig()).toMatchObject({ keyBias: true, outputProjection: true });
    expect(Array.from(ra.weights.find((w) => w.originalName.endsWith('key_bias'))!.read().dataSync())).toEqual(Array.from(keyBias));
    // a dead parameter: the predictions equal the model without it
    const x = tf.randomUniform([1, 8, 16, 16, 1], 0, 1, 'float32', 12);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([x, a, b]);
    [model, loaded].forEach((m) => m.dispose());
  });
});

describe('buildRAUnet per-level geometry (poolStrides, kernelSizes)', () => {
  it('computes the level geometry in [z, y, x] order', () => {
    const g = levelGeometry({ ...defaultRAUnetConfig, patchSize: [64, 64, 8], poolStrides: [[2, 2, 1], [2, 2, 2], [2, 2, 2], [2, 2, 1]] });
    expect(g.sizes).toEqual([[8, 64, 64], [8, 32, 32], [4, 16, 16], [2, 8, 8], [2, 4, 4]]);
    expect(g.strides[0]).toEqual([1, 2, 2]);
    expect(g.kernels).toEqual(Array(5).fill([3, 3, 3]));
    expect(g.downsampleKernels).toEqual(Array(4).fill([3, 3, 3]));
    const k = levelGeometry({ ...defaultRAUnetConfig, kernelSizes: [[3, 3, 1], [3, 3, 1], [3, 3, 3], [3, 3, 3], [5, 3, 3]] });
    expect(k.kernels[0]).toEqual([1, 3, 3]);
    expect(k.downsampleKernels).toEqual([[1, 3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 5]]);
  });

  it('builds the thick-slice case: patch [64, 64, 8], strides [2,2,1], [2,2,2], [2,2,2], [2,2,1]', () => {
    const poolStrides: [number, number, number][] = [[2, 2, 1], [2, 2, 2], [2, 2, 2], [2, 2, 1]];
    const kernelSizes: [number, number, number][] = [[3, 3, 1], [3, 3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3]];
    const m = buildRAUnet({ patchSize: [64, 64, 8], baseFilters: 4, attentionHeads: 2, poolStrides, kernelSizes });
    const s = summarizeModel(m);
    const shape = (n: string): (number | null)[] => s.layers.find((l) => l.name === n)!.outputShape;
    expect(shape('enc1_down_conv')).toEqual([null, 8, 32, 32, 4]);
    expect(shape('enc2_down_conv')).toEqual([null, 4, 16, 16, 8]);
    expect(shape('enc4_block1')).toEqual([null, 2, 4, 4, 64]);
    expect(shape('dec3_up')).toEqual([null, 2, 8, 8, 64]);
    expect(shape('dec3_ra')).toEqual([null, 2, 8, 8, 32]); // the position code follows the 2x8x8 grid
    expect(shape('dec0_up')).toEqual([null, 8, 64, 64, 8]);
    expect(m.outputs[0].shape).toEqual([null, 8, 64, 64, 1]);
    expect(m.getLayer('dec3_up').getConfig().size).toEqual([1, 2, 2]);
    expect(m.getLayer('dec2_up').getConfig().size).toEqual([2, 2, 2]);
    const ra = m.getLayer('dec3_ra');
    expect(ra.weights.find((w) => w.originalName.endsWith('rel_d'))!.shape).toEqual([2, 2, 1, 1, 4]);
    // 3x3x1 kernels (tensor order [1, 3, 3]) at level 0: 9 weights per channel pair
    expect(s.layers.find((l) => l.name === 'enc0_block1')!.trainable).toBe(9 * 4 * 4 * 2 + 4 * 4);
    expect(s.layers.find((l) => l.name === 'enc1_down_conv')!.trainable).toBe(27 * 4 * 4);
    m.dispose();
  });

  it('trains one step and round-trips the thick-slice geometry through saveModel/loadModel', async () => {
    const m = await checkTrainSaveLoad(
      {
        patchSize: [16, 16, 4],
        levels: 3,
        baseFilters: 2,
        attentionHeads: 2,
        attentionBottleneckFilters: 2,
        poolStrides: [[2, 2, 1], [2, 2, 2]],
        kernelSizes: [[3, 3, 1], [3, 3, 3], [3, 3, 3]],
      },
      'thick',
    );
    expect(m.getLayer('enc1_down_conv').outputShape).toEqual([null, 4, 8, 8, 2]);
    m.dispose();
  });

  it('is a 2D network on one-slice input (z = 1, z strides and kernels 1) that trains and round-trips', async () => {
    const m = await checkTrainSaveLoad(
      {
        patchSize: [16, 16, 1],
        levels: 3,
        baseFilters: 2,
        attentionHeads: 2,
        attentionBottleneckFilters: 2,
        poolStrides: [[2, 2, 1], [2, 2, 1]],
        kernelSizes: [[3, 3, 1], [3, 3, 1], [3, 3, 1]],
        downsample: 'strided-block',
      },
      'slice',
    );
    const s = summarizeModel(m);
    expect(s.layers.find((l) => l.name === 'dec1_ra')!.outputShape).toEqual([null, 1, 8, 8, 4]);
    // every convolution kernel has depth 1: no weight couples neighbouring slices
    for (const w of m.weights.filter((v) => /kernel$/.test(v.originalName) && v.shape.length === 5)) expect(w.shape[0]).toBe(1);
    m.dispose();
  });
});
