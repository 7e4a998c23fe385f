const counters = new Map<string, number>();

/**
 * tfjs derives a default layer name from `getClassName()`, which for our `raunet>Name` class names gives a
 * name tfjs then rejects as a tensor scope; so the layers pass their own default (`residual_block_3d_1`…).
 */
export function withDefaultName<T extends { name?: string }>(args: T | undefined, prefix: string): T {
  if (args?.name != null) return args;
  const n = (counters.get(prefix) ?? 0) + 1;
  counters.set(prefix, n);
  return { ...(args as T), name: `${prefix}_${n}` };
}
