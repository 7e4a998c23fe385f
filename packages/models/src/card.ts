/** Mean and sample standard deviation of a metric over cases. */
export interface MeanSd {
  /** Mean over cases. */
  mean: number;
  /** Sample standard deviation over cases. */
  sd: number;
}

/** Validation figures of a shipped model, measured on its own validation split (not a test set). */
export interface ValidationFigures {
  /** How the validation cases were chosen. */
  split: string;
  /** Number of validation cases. */
  cases: number;
  /** Dice similarity coefficient per case. */
  dice: MeanSd;
  /** 95th-percentile Hausdorff distance per case, mm (cases with an empty mask left out). */
  hd95?: MeanSd;
  /** Normalized surface Dice per case at `nsdToleranceMm`. */
  nsd?: MeanSd;
  /** NSD tolerance, mm. */
  nsdToleranceMm?: number;
}

/**
 * The model card of a shipped model as plain data: what it was trained on, how, how well it did on
 * its validation split, and what it is for. The full card is `models/<name>/README.md` in the package.
 */
export interface ShippedModelCard {
  /** Name used by `raunet predict --model NAME`. */
  name: string;
  /** One-line title. */
  title: string;
  /** `'raunet'` (with the RA block) or `'unet'` (the same network without it). */
  architecture: 'raunet' | 'unet';
  /** Training data set. */
  dataset: string;
  /** `'2d'` for a one-slice model (patch z = 1, applied slice by slice), `'3d'` otherwise. */
  dimensionality: '2d' | '3d';
  /** What inputs the model expects (intensity scale, geometry). */
  input: string;
  /**
   * Set for an ensemble (`ensemble.json` and one `member-i/` folder per network): how many networks, each
   * trained with the recipe (with different seeds), are averaged at prediction. Absent for one network.
   */
  members?: number;
  /** Trainable parameters (of each network, for an ensemble). */
  parameters: number;
  /** How the weights are stored (`'uint8'`: kernels as uint8, vectors as float16; see `@raunet/raunet`'s `saveModel`). @defaultValue `'float32'` */
  weightDtype?: 'float32' | 'float16' | 'uint8';
  /** Size in bytes of the weight files (`weights.bin`; of all members, for an ensemble). */
  weightBytes: number;
  /** Wall-clock training time in minutes, on the machine of `trainedOn` (of all members, for an ensemble). */
  trainingMinutes: number;
  /** Optimizer steps of the training run (of each member, for an ensemble). */
  trainingSteps: number;
  /** Machine and backend of the training run. */
  trainedOn: string;
  /** Path of the training recipe in the repository (`raunet train --config`). */
  recipe: string;
  /** Validation figures. */
  validation: ValidationFigures;
  /**
   * Set when the shipped weights are not those of the validated run but the same recipe retrained on all
   * the cases, validation ones included (nnU-Net's final model): how they were trained. `validation` then
   * holds the recipe's figures, from the run with the split it describes; `trainingSteps` and
   * `trainingMinutes` are of the retraining.
   */
  finalTraining?: string;
  /** What the model is for. */
  intendedUse: string;
  /** What it is not for, and known weaknesses. */
  limits: string;
}
