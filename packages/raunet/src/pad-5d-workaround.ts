import * as tf from '@tensorflow/tfjs';

type Info = tf.TensorInfo;
type PadArgs = { inputs: { x: Info }; backend: unknown; attrs: { paddings: [number, number][]; constantValue: number } };
type ReshapeArgs = { inputs: { x: Info }; backend: unknown; attrs: { shape: number[] } };
const PATCHED = Symbol.for('raunet.pad5d');

/**
 * Works around tfjs 4.22's WebGL `PadV2`, which cannot pad 5-D tensors (its shaders compare `ivec5`
 * structs with `lessThan`, which GLSL lacks, so the shader does not compile and every 3D convolution with
 * explicit padding fails on WebGL). Replaces the backend's `PadV2` kernel by one that pads a 5-D
 * `[b, z, y, x, c]` tensor with unpadded batch and channels as a 4-D pad of y and x over `[b*z, y, x, c]`
 * and a 3-D pad of z over `[b, z, y'*x'*c]` (the same values), and hands every other case to the
 * original kernel. Call it once before predicting on WebGL; calling it again does nothing. Works in
 * browsers and workers.
 *
 * @param backendName - The backend whose kernel to replace. @defaultValue 'webgl'
 * @returns A function that puts the original kernel back.
 * @example
 * ```ts
 * await tf.setBackend('webgl');
 * usePad5dWorkaround();
 * const { mask } = await predictVolume(model, ct);
 * ```
 */
export function usePad5dWorkaround(backendName = 'webgl'): () => void {
  const original = tf.getKernel('PadV2', backendName);
  const reshape = tf.getKernel('Reshape', backendName);
  if (!original || !reshape || (original as unknown as Record<symbol, unknown>)[PATCHED]) return () => {};
  const pad = original.kernelFunc as unknown as (args: PadArgs) => Info;
  const shapeTo = reshape.kernelFunc as unknown as (args: ReshapeArgs) => Info;
  const kernelFunc = (args: PadArgs): Info => {
    const { x } = args.inputs;
    const { paddings, constantValue } = args.attrs;
    const backend = args.backend as { disposeIntermediateTensorInfo(info: Info): void };
    const s = x.shape;
    if (s.length !== 5 || paddings[0][0] || paddings[0][1] || paddings[4][0] || paddings[4][1]) return pad(args);
    const [b, z, y, w, c] = s;
    const y2 = y + paddings[2][0] + paddings[2][1];
    const w2 = w + paddings[3][0] + paddings[3][1];
    const a4 = shapeTo({ inputs: { x }, backend, attrs: { shape: [b * z, y, w, c] } });
    const p4 = pad({ inputs: { x: a4 }, backend, attrs: { paddings: [[0, 0], paddings[2], paddings[3], [0, 0]], constantValue } });
    const a3 = shapeTo({ inputs: { x: p4 }, backend, attrs: { shape: [b, z, y2 * w2 * c] } });
    const p3 = pad({ inputs: { x: a3 }, backend, attrs: { paddings: [[0, 0], paddings[1], [0, 0]], constantValue } });
    const out = shapeTo({ inputs: { x: p3 }, backend, attrs: { shape: [b, z + paddings[1][0] + paddings[1][1], y2, w2, c] } });
    for (const t of [a4, p4, a3, p3]) backend.disposeIntermediateTensorInfo(t);
    return out;
  };
  tf.unregisterKernel('PadV2', backendName);
  tf.registerKernel({ ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc, [PATCHED]: true } as tf.KernelConfig);
  return () => {
    tf.unregisterKernel('PadV2', backendName);
    tf.registerKernel(original);
  };
}
