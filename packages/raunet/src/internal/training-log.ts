import { join } from 'node:path';
import { writeFileAtomic } from '@raunet/core/node';
import type { EpochRecord } from '../checkpoint.js';

/** Header of `log.csv`. */
export const TRAINING_LOG_CSV_HEADER = 'epoch,loss,learning_rate,validation_dsc,seconds,global_step';

/**
 * Writes the training log of a run folder, each file atomically: `log.jsonl` (one {@link EpochRecord} per
 * line, per-case validation DSCs included) and `log.csv` (one row per epoch, empty `validation_dsc` when
 * the epoch was not validated).
 */
export async function writeTrainingLog(dir: string, history: readonly EpochRecord[]): Promise<void> {
  await writeFileAtomic(join(dir, 'log.jsonl'), history.map((r) => JSON.stringify(r)).join('\n') + (history.length ? '\n' : ''));
  const rows = history.map((r) => [r.epoch, r.loss, r.learningRate, r.validationDsc ?? '', r.seconds.toFixed(3), r.globalStep].join(','));
  await writeFileAtomic(join(dir, 'log.csv'), [TRAINING_LOG_CSV_HEADER, ...rows].join('\n') + '\n');
}
