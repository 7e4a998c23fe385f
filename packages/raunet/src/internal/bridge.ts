import * as tf from '@tensorflow/tfjs';

/**
 * The one place where volumes and tensors meet. A Volume's data is x fastest, so a patch of size
 * (px, py, pz) is, without reordering, a `[pz, py, px, 1]` tensor; a batch of them is
 * `[batch, pz, py, px, 1]` (NDHWC).
 */
export function batchTensor(data: Float32Array, batch: number, patchSize: readonly number[], channels = 1): tf.Tensor5D {
  const [px, py, pz] = patchSize;
  return tf.tensor5d(data, [batch, pz, py, px, channels], 'float32');
}

/** Patch size (x, y, z) of a model's fixed input `[batch, z, y, x, c]`. */
export function modelPatchSize(model: tf.LayersModel): [number, number, number] {
  const shape = model.inputs[0].shape;
  return [shape[3] as number, shape[2] as number, shape[1] as number];
}
