import type { RAUnetConfig } from '@raunet/raunet';

/** Settings of the demo: small enough for a few minutes on 2 CPU cores, large enough to learn. */
export const DEMO_DEFAULTS = {
  cases: 8,
  dims: [48, 48, 24] as [number, number, number],
  /** Epochs with a fast backend (native cpu kernels or libtensorflow): about 1.5 minutes of training on 2 cores. */
  epochs: 30,
  /**
   * On tfjs's plain JS backends (no native kernels, no libtensorflow) a 32x32x16 step takes about 17 s,
   * 60-80x longer: the demo then trains 8 epochs on 16x16x8 patches (about 3 s per step) so that it still
   * finishes in minutes, and says that the model learns much less that way.
   */
  slowBackend: { epochs: 8, batchSize: 4, patchSize: [16, 16, 8] as [number, number, number] },
  stepsPerEpoch: 10,
  batchSize: 2,
  learningRate: 1e-2,
  /** Cosine decay of the learning rate to this value over the epochs. */
  minLearningRate: 5e-4,
  validationInterval: 5,
  seed: 7,
  /** Phantom lesions larger and denser than the generator's defaults, so a few minutes of CPU training can find them. */
  lesionRadiusMm: [15, 45] as [number, number],
  consolidationProbability: 0.5,
  model: {
    // 32x32x16 voxels of 7.5x7.5x12.5 mm: most of a lung in one patch. Lesions and soft tissue share
    // their HU, so the network needs that context (16x16x8 patches reached a test DSC of only 0.1-0.3).
    patchSize: [32, 32, 16],
    levels: 3,
    baseFilters: 8,
    attentionHeads: 2,
    normalization: 'batch',
  } satisfies Partial<RAUnetConfig>,
};
