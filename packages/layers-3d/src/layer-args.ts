import type * as tf from '@tensorflow/tfjs';

/**
 * The base arguments of every tfjs layer (`name`, `trainable`, `inputShape`, `batchInputShape`, `dtype`,
 * `weights`…), i.e. tfjs-layers' own `LayerArgs`, which `@tensorflow/tfjs` does not re-export by name.
 * Every `<Name>Args` of this package extends it.
 */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/**
 * The initializers this package's layers accept: a tfjs initializer name (`'heNormal'`, `'glorotUniform'`,
 * `'zeros'`…), an initializer object (`tf.initializers.heNormal({ seed: 1 })`), or its serialized form
 * `{ className, config }` as found in a saved model's `model.json`.
 */
export type InitializerSpec =
  | InitializerName
  | ReturnType<typeof tf.initializers.ones>
  | { className: string; config: tf.serialization.ConfigDict };

/** tfjs initializer names accepted as strings (the same identifiers tfjs-layers accepts). */
export type InitializerName =
  | 'heNormal'
  | 'heUniform'
  | 'glorotNormal'
  | 'glorotUniform'
  | 'leCunNormal'
  | 'leCunUniform'
  | 'zeros'
  | 'ones';

/**
 * Zero padding of a (strided) 3D convolution with output size `ceil(n / stride)` per axis:
 * - `'symmetric'`: `floor(k / 2)` voxels on both sides (PyTorch `padding=k//2`, odd kernels); output voxel
 *   i is centred on input voxel `i * stride`.
 * - `'same'`: TensorFlow `'same'`: total `max((ceil(n/s) - 1) * s + k - n, 0)`, the smaller half before; on an
 *   even size with stride 2 and k = 3 that is 0 before and 1 after, centring output voxel i on `i * stride + 1`.
 * They differ only for strides > 1 on sizes where 'same' pads asymmetrically.
 */
export type ConvPadding = 'symmetric' | 'same';
