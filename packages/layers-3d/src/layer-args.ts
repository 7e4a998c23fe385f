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
