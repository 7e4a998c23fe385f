/**
 * Automatic lung masks of chest CT without training (labels 1 = left, 2 = right, as COVID-19-CT-Seg's
 * `Lung_Mask`) and the infection burden per lung. Plain typed-array code, no tfjs.
 *
 * @module
 */
export {
  segmentLungs,
  LEFT_LUNG,
  RIGHT_LUNG,
  type SegmentLungsOptions,
  type SegmentLungsResult,
} from './segment-lungs.js';
export {
  infectionBurden,
  compareBurden,
  toLeftRightLungs,
  type InfectionBurden,
  type LungInvolvement,
  type BurdenError,
} from './burden.js';
