import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@raunet/core';
import { buildRAUnet, buildUNet3D, setModelInfo, type RAUnetConfig } from '@raunet/raunet';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx } from './export-onnx.js';
import { onnx } from './internal/graph-builder.js';
import { readOnnxMetadata } from './onnx-metadata.js';
import { perturbNormalization, randomValues, runBoth, runOnnx } from './__fixtures__/compare.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const small: Partial<RAUnetConfig> = { patchSize: [16, 16, 8], levels: 3, baseFilters: 8, seed: 3 };

const configs: [string, Partial<RAUnetConfig>, boolean][] = [
  ['RA-Unet, batch norm, symmetric conv downsampling', small, true],
  ['U-Net, batch norm', small, false],
  ['RA-Unet, instance norm, strided blocks, TF same padding, no output projection', { ...small, normalization: 'instance', downsample: 'strided-block', downsamplePadding: 'same', attentionOutputProjection: false, seed: 4 }, true],
  [
    'RA-Unet, group norm, anisotropic strides and kernels, no up-projection',
    { ...small, patchSize: [16, 16, 4], normalization: 'group', groups: 4, poolStrides: [[2, 2, 1], [2, 2, 2]], kernelSizes: [[3, 3, 1], [3, 3, 3], [3, 3, 3]], upsampleProjection: false, seed: 5 },
    true,
  ],
  ['U-Net, no normalization (biases), epsilon 1e-3', { ...small, normalization: 'none', normEpsilon: 1e-3, seed: 6 }, false],
];

describe('exportOnnx: onnxruntime equals tfjs', () => {
  for (const [title, config, attention] of configs) {
    it(title, async () => {
      const model = attention ? buildRAUnet(config) : buildUNet3D(config);
      const shape = model.inputs[0].shape.slice(1) as number[];
      const n = shape.reduce((a, b) => a * b, 1);
      const calibration = tf.tensor(randomValues(4 * n, 8), [4, ...shape]);
      perturbNormalization(model, 11, calibration);
      calibration.dispose();
      const { maxAbs, opCounts, tfjs } = await runBoth(model, randomValues(2 * n, 7), 2);
      expect(maxAbs).toBeLessThan(1e-4);
      // the probabilities are not saturated, so the comparison means something
      const mid = tfjs.filter((p) => p > 0.02 && p < 0.98).length / tfjs.length;
      expect(mid).toBeGreaterThan(0.5);
      if (attention) expect(opCounts).toMatchObject({ MatMul: 2, Softmax: 1 });
      model.dispose();
    });
  }
});

describe('exportOnnx of an ensemble: one graph, the mean of its members', () => {
  it('onnxruntime gives the mean of the members in tfjs; names are kept apart; the ensemble settings are in the metadata', async () => {
    const members = [buildRAUnet({ ...small, seed: 21 }), buildUNet3D({ ...small, seed: 22 })];
    const shape = members[0].inputs[0].shape.slice(1) as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    const calibration = tf.tensor(randomValues(4 * n, 8), [4, ...shape]);
    members.forEach((m, i) => {
      setModelInfo(m, { inference: { threshold: 0.5, overlap: 0.25 } });
      perturbNormalization(m, 30 + i, calibration);
    });
    calibration.dispose();
    const input = randomValues(2 * n, 9);
    const own = members.map((m) => tf.tidy(() => (m.predict(tf.tensor(input, [2, ...shape])) as tf.Tensor).dataSync() as Float32Array));
    const { bytes, opCounts, members: count, metadata } = exportOnnx(members, { inference: { threshold: 0.35 } });
    expect(count).toBe(2);
    expect(opCounts).toMatchObject({ Mean: 1, MatMul: 2, Softmax: 1 });
    const got = await runOnnx(bytes, input, 2, shape);
    let maxAbs = 0;
    let spread = 0;
    for (let i = 0; i < got.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(got[i] - (own[0][i] + own[1][i]) / 2));
      spread = Math.max(spread, Math.abs(own[0][i] - own[1][i]));
    }
    expect(spread).toBeGreaterThan(0.05); // the members differ, so the mean is a real check
    expect(maxAbs).toBeLessThan(1e-4);
    const meta = readOnnxMetadata(bytes);
    expect(meta.members).toBe(2);
    expect(metadata['raunet.members']).toBe('2');
    expect(meta.info?.architecture).toBe('raunet'); // the first member's record
    expect(JSON.parse(metadata['raunet.inference'])).toMatchObject({ threshold: 0.35, overlap: 0.25 });
    const graph = onnx.ModelProto.decode(bytes).graph!;
    const nodes = graph.node!.map((x) => x.name!);
    expect(nodes.filter((x) => x.startsWith('member-0/')).length).toBeGreaterThan(10);
    expect(nodes.filter((x) => x.startsWith('member-1/')).length).toBeGreaterThan(10);
    expect(new Set(graph.initializer!.map((t) => t.name)).size).toBe(graph.initializer!.length);
    // one network: no Mean, no members key
    const single = exportOnnx(members[0]);
    expect(single.members).toBe(1);
    expect(single.opCounts.Mean).toBeUndefined();
    expect(readOnnxMetadata(single.bytes).members).toBe(1);
    expect(single.metadata['raunet.members']).toBeUndefined();
    for (const m of members) m.dispose();
  });

  it('refuses no member and members that differ in patch size or preprocessing, naming the member', () => {
    const a = buildUNet3D({ ...small, seed: 1 });
    const b = buildUNet3D({ ...small, patchSize: [16, 16, 4], seed: 2 });
    const c = buildUNet3D({ ...small, seed: 3 });
    setModelInfo(a, { preprocessing: { window: [-1000, 400] } });
    setModelInfo(c, { preprocessing: { window: [-1000, 1000] } });
    expect(() => exportOnnx([])).toThrow(InvalidArgumentError);
    expect(() => exportOnnx([a, {} as tf.LayersModel])).toThrow(/exportOnnx: member 1 must be a tf.LayersModel/);
    expect(() => exportOnnx([a, b])).toThrow(/member 1 maps \[4, 16, 16, 1\] .* member 0 \[8, 16, 16, 1\].*share their patch size/);
    expect(() => exportOnnx([a, c])).toThrow(/exportOnnx: member 1 stores the preprocessing .* the members of an ensemble must be trained with the same preprocessing/);
    for (const m of [a, b, c]) m.dispose();
  });
});
