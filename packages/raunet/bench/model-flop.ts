// FLOP of an RA-Unet's convolutions, shared by the benches that report an arithmetic floor.
import type * as tf from '@tensorflow/tfjs';

/**
 * FLOP of one forward pass of one patch: 2 x the multiply-adds of every convolution (the 5-D kernels
 * `[kd, kh, kw, in, out]`, each over its layer's output grid; the attention's 5-D position codes `rel_*` are not
 * kernels). The attention itself adds under 1% at the paper's size and is left out. A training step costs
 * three times this per patch: the forward pass, and the gradients of the inputs and of the weights, each as
 * many multiply-adds as the forward pass.
 */
export function convFlopPerPatch(model: tf.LayersModel): number {
  let flop = 0;
  for (const layer of model.layers) {
    for (const w of layer.weights) {
      if (w.shape.length !== 5 || /(^|\/)rel_[dhw]$/.test(w.originalName)) continue;
      const out = layer.outputShape as number[] | number[][];
      const shape = (Array.isArray(out[0]) ? out[0] : out) as number[];
      flop += 2 * w.shape.reduce((a: number, b) => a * (b ?? 1), 1) * shape[1] * shape[2] * shape[3];
    }
  }
  return flop;
}
