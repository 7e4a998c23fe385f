export {
  generatePhantom,
  phantomAffine,
  PHANTOM_HU_RANGE,
  type GeneratePhantomOptions,
  type PhantomResult,
  type ResolvedPhantomOptions,
  type LesionInfo,
} from './generate-phantom.js';
export { PhantomTissue, type PhantomTissueCode } from './tissue.js';
export {
  writePhantomDataset,
  PHANTOM_DATASET_FOLDERS,
  type WritePhantomDatasetOptions,
  type PhantomDatasetCase,
} from './write-phantom-dataset.js';
