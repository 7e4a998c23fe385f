// Gradients of Mean and Sum without a full-size `ones` tensor.
//
// tfjs-core computes them as `mul(reshape(dy), ones(x.shape))` (then `/ reduceSize` for Mean): a JS loop
// filling a fresh x-sized Float32Array with ones, then a full-size multiply (and a full-size divide). For a
// batch norm over a 192x192x32x16 activation that is three 75 MB passes and a fresh 75 MB allocation per
// statistic. Here the small `dy` (divided by reduceSize first for Mean) is broadcast by `tf.broadcastTo`
// (the Tile kernel, native for pure broadcasts): one write pass. The values are bitwise the same:
// `dy * 1 = dy`, and `dy / n` is the same float32 division, done before the broadcast instead of after.
import * as tf from '@tensorflow/tfjs';

const expanded = (dy: tf.Tensor, x: tf.Tensor, axis: number | number[]): tf.Tensor => {
  const shape = x.shape.slice();
  for (const a of tf.util.parseAxisParam(axis, x.shape)) shape[a] = 1;
  return tf.reshape(dy, shape);
};

/** Replaces the Mean and Sum gradients; returns a function restoring the previous ones. */
export function installReduceGradients(): () => void {
  const originals = ['Mean', 'Sum'].map((name) => tf.getGradient(name));
  const [mean, sum] = originals;
  if (mean === undefined || sum === undefined) return () => undefined;
  tf.registerGradient({
    ...mean,
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const d = dy as tf.Tensor;
      if (d.dtype !== 'float32') return mean.gradFunc(dy, saved, attrs);
      const { axis } = attrs as unknown as { axis: number | number[] };
      const axes = tf.util.parseAxisParam(axis, x.shape);
      const reduceSize = tf.util.sizeFromShape(axes.map((a) => x.shape[a]));
      return { x: () => tf.broadcastTo(tf.div(expanded(d, x, axis), reduceSize), x.shape) };
    },
  });
  tf.registerGradient({
    ...sum,
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const d = dy as tf.Tensor;
      if (d.dtype !== 'float32') return sum.gradFunc(dy, saved, attrs);
      const { axis } = attrs as unknown as { axis: number | number[] };
      return { x: () => tf.broadcastTo(expanded(d, x, axis), x.shape) };
    },
  });
  return () => originals.forEach((g) => g !== undefined && tf.registerGradient(g));
}
