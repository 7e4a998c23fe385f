// `node model.mjs train`: a small model with RABlock3D, one training step, saved to ./model.
// `node model.mjs load`: loads ./model in a fresh process. Both print the prediction on a fixed input.
import * as tf from '@tensorflow/tfjs';
import { raBlock3D } from '@raunet/layers-3d';
import { saveModel, loadModel } from '@raunet/raunet';

await tf.setBackend('cpu');
const x = tf.tensor5d(Array.from({ length: 2 * 4 * 4 * 4 * 8 }, (_, i) => Math.sin(i * 0.37)), [2, 4, 4, 4, 8]);
const mode = process.argv[2];
let model;
let loss = NaN;
if (mode === 'train') {
  tf.util.seedrandom?.(1);
  const input = tf.input({ shape: [4, 4, 4, 8] });
  const h = raBlock3D({ heads: 2 }).apply(input);
  const out = tf.layers.conv3d({ filters: 1, kernelSize: 1, activation: 'sigmoid' }).apply(h);
  model = tf.model({ inputs: input, outputs: out });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'binaryCrossentropy' });
  const y = tf.tensor5d(Array.from({ length: 2 * 4 * 4 * 4 }, (_, i) => (i % 3 === 0 ? 1 : 0)), [2, 4, 4, 4, 1]);
  loss = Number(await model.trainOnBatch(x, y));
  await saveModel(model, 'model');
} else {
  model = await loadModel('model');
}
const prediction = Array.from(await model.predict(x).data()).slice(0, 16);
console.log(JSON.stringify({ loss, prediction }));
