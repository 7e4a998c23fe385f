/**
 * The browser entry of `@raunet/raunet` (export condition `browser`): model builders, Dice losses,
 * backend selection, folds, preprocessing, batch-norm recalibration, `loadModelFromUrl` and
 * `predictVolume` — everything without Node built-ins, for bundles that run in browsers and workers. The
 * file-based functions (`loadModel`, `saveModel`, checkpoints, datasets, `train`) are in the Node entry.
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
export { getModelInfo, setModelInfo, defaultInferenceSettings, AIR_WINDOW_HU, type RAUnetModelInfo, type InferenceSettings } from './model-info.js';
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
export { recalibrateBatchNorm, type RecalibrateBatchNormOptions, type RecalibrateBatchNormResult } from './batch-norm-statistics.js';
export {
  predictVolume,
  maskFromProbability,
  type PredictVolumeOptions,
  type PredictVolumeResult,
  type MaskFromProbabilityOptions,
} from './predict.js';
export { tfjsPatchPredictor, isPatchPredictor, type PatchPredictor, type TfjsPatchPredictorOptions } from './patch-predictor.js';
export {
  ensemblePatchPredictor,
  parseEnsembleManifest,
  ENSEMBLE_JSON,
  type EnsemblePatchPredictorOptions,
  type EnsembleManifest,
  type LoadedPredictor,
  type LoadPredictorOptions,
} from './ensemble.js';
export { loadModelFromUrl, loadPredictorFromUrl, type LoadModelFromUrlOptions, type LoadPredictorFromUrlOptions } from './model-url.js';
export { usePad5dWorkaround } from './pad-5d-workaround.js';
