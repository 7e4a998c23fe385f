import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, Rng } from '@raunet/core';
import { levelGeometry, type RAUnetConfig } from '../config.js';
import { heNormalValues } from '../model.js';

type Triple = [number, number, number];

/**
 * The training view of a network with deep supervision (nnU-Net's): the network's own output plus a
 * 1x1x1 sigmoid head on each of decoder levels `1 .. levels - 3`, each loss weighted `1 / 2^level`,
 * the weights normalized to sum to 1 (the deepest decoder level gets weight 0 in nnU-Net and so no
 * head here). The heads exist only for training: the saved network is unchanged.
 */
export interface DeepSupervisionView {
  /** Shares every layer of the network; outputs `[network output, head of level 1, head of level 2, ...]`. */
  model: tf.LayersModel;
  /** Loss weight of each output, in output order; sums to 1. */
  weights: number[];
  /** Average-pooling window (z, y, x) that brings the labels to each output's grid, in output order (the first is [1, 1, 1]). */
  pools: Triple[];
  /** Disposes the heads' weights (the shared network stays). */
  dispose(): void;
}

/**
 * Adds the deep-supervision heads to a network built by `buildRAUnet` / `buildUNet3D`.
 * Decoder level `l`'s output is the input of its upsampling layer `dec{l-1}_up`. The heads' kernels are
 * drawn He-normal from a seeded {@link Rng} (biases zero), so a seeded run stays reproducible.
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} when the network has fewer than 4 levels (no level to supervise).
 */
export function deepSupervisionView(network: tf.LayersModel, config: RAUnetConfig, seed: number): DeepSupervisionView {
  const levels = config.levels;
  if (levels < 4) {
    throw new InvalidArgumentError(
      `train: deepSupervision needs a network of at least 4 levels (it supervises decoder levels 1 .. levels - 3), received levels ${levels}`,
    );
  }
  const strides = levelGeometry(config).strides;
  const rng = new Rng(seed ^ 0x5eed);
  const heads: tf.layers.Layer[] = [];
  const outputs: tf.SymbolicTensor[] = [network.outputs[0]];
  const raw = [1];
  const pools: Triple[] = [[1, 1, 1]];
  for (let l = 1; l <= levels - 3; l++) {
    const features = network.getLayer(`dec${l - 1}_up`).input as tf.SymbolicTensor;
    const channels = features.shape[4] as number;
    const head = tf.layers.conv3d({
      filters: config.outputChannels,
      kernelSize: 1,
      activation: 'sigmoid',
      useBias: true,
      name: `deep_supervision_${l}`,
    });
    outputs.push(head.apply(features) as tf.SymbolicTensor);
    const shape: [number, number, number, number, number] = [1, 1, 1, channels, config.outputChannels];
    const values = [tf.tensor5d(heNormalValues(rng, shape), shape), tf.zeros([config.outputChannels])];
    head.setWeights(values);
    tf.dispose(values);
    heads.push(head);
    raw.push(1 / 2 ** l);
    const p = pools[l - 1];
    pools.push([p[0] * strides[l - 1][0], p[1] * strides[l - 1][1], p[2] * strides[l - 1][2]]);
  }
  const total = raw.reduce((a, b) => a + b, 0);
  const model = tf.model({ inputs: network.inputs, outputs, name: `${network.name}_deep_supervision` });
  return {
    model,
    weights: raw.map((w) => w / total),
    pools,
    dispose: () => {
      for (const h of heads) for (const w of h.weights) w.dispose();
    },
  };
}

/**
 * The weighted sum of `lossOf` over the outputs of a {@link DeepSupervisionView}: the labels are averaged
 * over each output's pooling window (soft targets: the fraction of infected voxels under each coarse
 * voxel), so the coarse heads learn the infection's extent, not a nearest-neighbour guess of it.
 */
export function deepSupervisionLoss(
  view: Pick<DeepSupervisionView, 'weights' | 'pools'>,
  labels: tf.Tensor5D,
  outputs: tf.Tensor[],
  lossOf: (y: tf.Tensor, p: tf.Tensor) => tf.Scalar,
): tf.Scalar {
  return tf.tidy(() => {
    let sum = tf.scalar(0);
    outputs.forEach((p, i) => {
      const pool = view.pools[i];
      const y = pool.every((s) => s === 1) ? labels : tf.avgPool3d(labels, pool, pool, 'valid');
      sum = tf.add(sum, tf.mul(lossOf(y, p), view.weights[i]));
    });
    return sum;
  });
}
