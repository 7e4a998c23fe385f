/**
 * RA-Unet and the 3D U-Net baseline for TensorFlow.js: model builders with the paper's defaults, Dice
 * losses, backend selection, datasets of NIfTI files, a resumable training loop with checkpoints, and
 * sliding-window prediction of whole CT volumes on their own grid.
 *
 * @packageDocumentation
 */
export { defaultRAUnetConfig, levelFilters, type RAUnetConfig } from './config.js';
export {
  estimateModelMemory,
  assertModelFits,
  MAX_TENSOR_VALUES,
  type EstimateModelMemoryOptions,
  type AssertModelFitsOptions,
  type ModelMemoryEstimate,
} from './memory-estimate.js';
export {
  buildRAUnet,
  buildUNet3D,
  summarizeModel,
  type ModelSummary,
  type LayerSummary,
} from './model.js';
export { getModelInfo, setModelInfo, type RAUnetModelInfo, type InferenceSettings } from './model-info.js';
export {
  diceLoss,
  diceBceLoss,
  diceCoefficient,
  type DiceLossOptions,
  type DiceBceLossOptions,
  type DiceCoefficientOptions,
} from './losses.js';
export {
  initBackend,
  BACKEND_KINDS,
  GPU_INSTALL_HINT,
  type BackendKind,
  type NativeKernelsModule,
  type BackendAttempt,
  type InitBackendOptions,
  type InitBackendResult,
} from './backend.js';
export { saveModel, loadModel, readModelArtifacts, MODEL_JSON, WEIGHTS_BIN, type SaveModelOptions } from './model-io.js';
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
  caseGroup,
  assignFolds,
  kFoldSplit,
  type CaseGrouping,
  type FoldOptions,
  type KFoldSplitOptions,
  type KFoldSplit,
} from './folds.js';
export {
  prepareCase,
  restoreToInput,
  defaultPreprocessing,
  type PreprocessingOptions,
  type PreprocessTransform,
  type PreparedCase,
} from './preprocessing.js';
export {
  train,
  type TrainOptions,
  type TrainResult,
  type TrainProgress,
  type VolumeCase,
  type LearningRateSchedule,
} from './train.js';
export { recalibrateBatchNorm, type RecalibrateBatchNormOptions, type RecalibrateBatchNormResult } from './batch-norm-statistics.js';
export { predictVolume, type PredictVolumeOptions, type PredictVolumeResult } from './predict.js';
