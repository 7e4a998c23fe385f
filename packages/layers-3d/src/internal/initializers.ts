import { InvalidArgumentError } from '@raunet/core';
import * as tf from '@tensorflow/tfjs';
import type { InitializerName, InitializerSpec } from '../layer-args.js';

/** A tfjs initializer object. */
export type Initializer = ReturnType<typeof tf.initializers.ones>;

const BY_NAME: Record<InitializerName, () => Initializer> = {
  heNormal: () => tf.initializers.heNormal({}),
  heUniform: () => tf.initializers.heUniform({}),
  glorotNormal: () => tf.initializers.glorotNormal({}),
  glorotUniform: () => tf.initializers.glorotUniform({}),
  leCunNormal: () => tf.initializers.leCunNormal({}),
  leCunUniform: () => tf.initializers.leCunUniform({}),
  zeros: () => tf.initializers.zeros(),
  ones: () => tf.initializers.ones(),
};

function isInitializer(value: unknown): value is Initializer {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { apply?: unknown }).apply === 'function' &&
    typeof (value as { getClassName?: unknown }).getClassName === 'function'
  );
}

/** Checks an initializer spec without creating it (constructor-time validation). */
export function checkInitializer(spec: unknown, where: string, field: string): InitializerSpec {
  if (typeof spec === 'string') {
    if (!(spec in BY_NAME)) {
      throw new InvalidArgumentError(
        `${where}: ${field} must be one of ${Object.keys(BY_NAME).join(', ')}, an initializer object or { className, config }, received '${spec}'`,
      );
    }
    return spec as InitializerName;
  }
  if (isInitializer(spec)) return spec;
  if (typeof spec === 'object' && spec !== null && typeof (spec as { className?: unknown }).className === 'string') {
    const className = (spec as { className: string }).className;
    if (!(className in tf.serialization.SerializationMap.getMap().classNameMap)) {
      throw new InvalidArgumentError(`${where}: ${field} names an unknown initializer class '${className}'`);
    }
    return spec as InitializerSpec;
  }
  throw new InvalidArgumentError(
    `${where}: ${field} must be an initializer name, an initializer object or { className, config }, received ${JSON.stringify(spec)}`,
  );
}

/** Creates the initializer object a spec describes. */
export function resolveInitializer(spec: InitializerSpec): Initializer {
  if (typeof spec === 'string') return BY_NAME[spec]();
  if (isInitializer(spec)) return spec;
  const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap[spec.className];
  return fromConfig(cls, spec.config ?? {}) as unknown as Initializer;
}

/** The JSON form of an initializer spec for `getConfig` (names stay names). */
export function serializeInitializer(spec: InitializerSpec | null): tf.serialization.ConfigDictValue {
  if (spec === null || typeof spec === 'string') return spec;
  if (isInitializer(spec)) return { className: spec.getClassName(), config: spec.getConfig() };
  return { className: spec.className, config: spec.config };
}
