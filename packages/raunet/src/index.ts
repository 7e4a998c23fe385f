/**
 * RA-Unet and the 3D U-Net baseline for TensorFlow.js: model builders with the paper's defaults, Dice
 * losses, backend selection, datasets of NIfTI files, a resumable training loop with checkpoints, and
 * sliding-window prediction of whole CT volumes on their own grid. This is the Node entry (export
 * condition `node`, and the default); bundlers targeting browsers pick the browser entry (condition
 * `browser`: the same without the file-based functions).
 *
 * @packageDocumentation
 */
export * from './browser.js';
export { saveModel, loadModel, readModelArtifacts, MODEL_JSON, WEIGHTS_BIN, type SaveModelOptions, type WeightDtype, WEIGHT_DTYPES } from './model-io.js';
export {
  saveEnsemble,
  loadPredictor,
  readEnsembleManifest,
  isEnsembleDir,
  networkDirs,
  type SaveEnsembleOptions,
} from './ensemble-io.js';
export {
  writeCheckpoint,
  restoreCheckpoint,
  readCheckpointState,
  type TrainingState,
  type EpochRecord,
} from './checkpoint.js';
export {
  loadDataset,
  splitDataset,
  type Dataset,
  type DatasetCase,
  type LoadDatasetOptions,
  type SplitDatasetOptions,
  type DatasetSplit,
} from './dataset.js';
export {
  train,
  type TrainOptions,
  type TrainResult,
  type TrainProgress,
  type VolumeCase,
  type LearningRateSchedule,
} from './train.js';
