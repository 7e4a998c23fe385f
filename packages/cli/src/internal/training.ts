import { join } from 'node:path';
import type { TrainOptions, TrainProgress, TrainResult } from '@raunet/raunet';
import { renderTrainingCurves, writePng, writeSvg } from '@raunet/viz';
import type { ChoiceFlagSpec } from './args.js';
import type { CliIO } from './context.js';
import { bar, formatDuration, ProgressLine } from './progress.js';

/** An `onProgress` handler drawing epoch, step, loss, rate and ETA on stderr. */
export function trainingProgress(io: CliIO): { onProgress: (e: TrainProgress) => void; done: () => void } {
  const line = new ProgressLine(io);
  const start = Date.now();
  let firstStep: { at: number; global: number } | undefined;
  return {
    onProgress(e) {
      const global = (e.epoch - 1) * e.stepsPerEpoch + e.step;
      const total = e.epochs * e.stepsPerEpoch;
      if (e.kind === 'step') {
        firstStep ??= { at: Date.now(), global };
        const elapsed = (Date.now() - firstStep.at) / 1000;
        const rate = global > firstStep.global ? (global - firstStep.global) / elapsed : NaN;
        const eta = Number.isFinite(rate) ? (total - global) / rate : NaN;
        line.update(
          `epoch ${e.epoch}/${e.epochs} ${bar(e.step / e.stepsPerEpoch)} step ${e.step}/${e.stepsPerEpoch} loss ${e.loss.toFixed(4)} ` +
            `${Number.isFinite(rate) ? `${rate >= 1 ? rate.toFixed(2) + ' steps/s' : (1 / rate).toFixed(1) + ' s/step'}` : ''} ETA ${formatDuration(eta)}`,
        );
      } else if (e.kind === 'epoch') {
        const r = e.record;
        line.update(
          `epoch ${e.epoch}/${e.epochs} done: loss ${e.loss.toFixed(4)}${r?.validationDsc !== undefined && r.validationDsc !== null ? `, validation DSC ${r.validationDsc.toFixed(4)}` : ''}, lr ${e.learningRate.toExponential(2)}, elapsed ${formatDuration((Date.now() - start) / 1000)}`,
          true,
        );
        line.done();
      }
    },
    done: () => line.done(),
  };
}

/** `--model raunet|unet` of `raunet train` and `raunet demo`: the architecture trained. */
export const ARCHITECTURE_FLAG = {
  type: 'choice',
  choices: ['raunet', 'unet'] satisfies NonNullable<TrainOptions['architecture']>[],
  description: 'architecture',
} as const satisfies ChoiceFlagSpec;

/**
 * Writes the loss and validation DSC per epoch of a training run as `curves.svg` and `curves.png` in `dir`
 * (nothing when no epoch completed).
 */
export async function writeTrainingCurves(dir: string, history: TrainResult['history'], title: string): Promise<void> {
  if (!history.length) return;
  const curves = renderTrainingCurves({
    history: history.map((r) => ({
      epoch: r.epoch,
      loss: r.loss,
      ...(r.validationDsc !== undefined ? { valDice: r.validationDsc } : {}),
    })),
    title,
  });
  await writeSvg(join(dir, 'curves.svg'), curves.svg);
  await writePng(join(dir, 'curves.png'), curves.image);
}

/** The name of an architecture in titles: `RA-Unet` or `U-Net`. */
export function architectureTitle(architecture: NonNullable<TrainOptions['architecture']>): string {
  return architecture === 'unet' ? 'U-Net' : 'RA-Unet';
}
