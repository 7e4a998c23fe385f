import { describe, expect, it } from 'vitest';
import { parseFlags } from './args.js';
import { PREDICTION_FLAGS, predictionOptionsFromFlags } from './predict-case.js';

const options = (...argv: string[]) => predictionOptionsFromFlags('predict', parseFlags('predict', argv, PREDICTION_FLAGS).flags);

describe('predictionOptionsFromFlags', () => {
  it('leaves every setting to the model when no flag is given', () => {
    expect(options()).toEqual({});
  });

  it('maps each flag to its predictVolume option', () => {
    expect(options('--overlap', '0.25', '--threshold', '0.4', '--min-size', '10', '--tta', '--all-windows')).toEqual({
      overlap: 0.25,
      threshold: 0.4,
      minComponentSize: 10,
      flipTta: true,
      skipAirWindows: false,
    });
    expect(options('--no-tta')).toEqual({ flipTta: false });
    expect(options('--scale-tta', '0.8, 1,1.25,1')).toEqual({ scaleTta: [0.8, 1, 1.25] });
  });

  it('refuses --tta with --no-tta, and zoom factors that are not positive numbers', () => {
    expect(() => options('--tta', '--no-tta')).toThrow(/--tta and --no-tta contradict each other/);
    for (const bad of ['', '0', '1,-1', '1,,2', 'a'])
      expect(() => options('--scale-tta', bad)).toThrow(/predict: --scale-tta must be a comma-separated list of positive zoom factors/);
  });
});
