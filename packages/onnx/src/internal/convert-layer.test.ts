import * as tf from '@tensorflow/tfjs';
import { groupNorm3D, instanceNorm3D, multiHeadSelfAttention3D, trilinearUpSampling3D, zeroPadding3D } from '@raunet/layers-3d';
import { UnsupportedError } from '@raunet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../export-onnx.js';
import { perturbNormalization, randomValues, runBoth } from '../__fixtures__/compare.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor => layer.apply(x) as tf.SymbolicTensor;

describe('layer conversions outside the U-Net builder', () => {
  it('strided 1x1x1 "same" conv (tfjs crops), transposed convs, add, padding, group/instance norm, biased attention, nearest upsampling, sigmoid', async () => {
    const input = tf.input({ shape: [4, 8, 8, 4] });
    const a = apply(tf.layers.conv3d({ filters: 8, kernelSize: 1, strides: 2, padding: 'same', name: 'strided_1x1' }), input);
    const b = apply(tf.layers.conv3dTranspose({ filters: 4, kernelSize: 2, strides: 2, padding: 'valid', name: 'up_valid' }), a);
    const c = apply(tf.layers.add({ name: 'sum' }), [b, input]);
    const d = apply(zeroPadding3D({ padding: [[1, 0], [0, 2], [1, 1]], name: 'pad' }), c);
    const e = apply(tf.layers.conv3d({ filters: 8, kernelSize: 3, padding: 'valid', activation: 'relu', name: 'conv_valid' }), d);
    const f = apply(groupNorm3D({ groups: 4, name: 'gn' }), e);
    const g = apply(instanceNorm3D({ epsilon: 1e-3, name: 'in' }), f);
    const h = apply(multiHeadSelfAttention3D({ heads: 2, useBias: true, keyBias: true, name: 'mhsa' }), g);
    const i = apply(trilinearUpSampling3D({ size: [1, 2, 1], interpolation: 'nearest', name: 'nearest' }), h);
    const j = apply(tf.layers.conv3dTranspose({ filters: 2, kernelSize: 3, strides: [1, 1, 2], padding: 'same', name: 'up_same' }), i);
    const k = apply(tf.layers.activation({ activation: 'sigmoid', name: 'sigmoid' }), j);
    const model = tf.model({ inputs: input, outputs: k });
    expect(model.outputs[0].shape).toEqual([null, 3, 16, 16, 2]);
    const calibration = tf.zeros([1, 4, 8, 8, 4]);
    perturbNormalization(model, 2, calibration);
    calibration.dispose();
    const { maxAbs, opCounts, tfjs } = await runBoth(model, randomValues(3 * 4 * 8 * 8 * 4, 5, -1, 1), 3);
    expect(maxAbs).toBeLessThan(1e-5);
    expect(tfjs.filter((p) => p > 0.02 && p < 0.98).length / tfjs.length).toBeGreaterThan(0.5);
    expect(opCounts).toMatchObject({ Slice: 1, ConvTranspose: 2, Pad: 1, InstanceNormalization: 2, MatMul: 2, Softmax: 1, Resize: 1, Sigmoid: 1 });
    model.dispose();
  });

  it('throws UnsupportedError naming the layer for a layer without an export', () => {
    const input = tf.input({ shape: [4, 4, 4, 1] });
    const model = tf.model({ inputs: input, outputs: apply(tf.layers.maxPooling3d({ poolSize: 2, name: 'pool' }), input) });
    expect(() => exportOnnx(model)).toThrow(UnsupportedError);
    expect(() => exportOnnx(model)).toThrow(/'pool' of class MaxPooling3D/);
    const dilated = tf.model({ inputs: input, outputs: apply(tf.layers.conv3d({ filters: 1, kernelSize: 3, dilationRate: 2, padding: 'same', name: 'dil' }), input) });
    expect(() => exportOnnx(dilated)).toThrow(/'dil'.*dilation/);
    model.dispose();
    dilated.dispose();
  });
});
