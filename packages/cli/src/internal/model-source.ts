import { stat } from 'node:fs/promises';
import { isShippedModelName, shippedModels } from '@raunet/models';
import { shippedModelDir } from '@raunet/models/node';
import { CliUsageError } from './context.js';

/** Where `--model` points: a model folder on disk, or a model shipped in `@raunet/models`. */
export interface ModelSource {
  /** Folder holding model.json and weights.bin. */
  dir: string;
  /** The shipped model's name, when `--model` named one. */
  shipped?: string;
}

/**
 * Resolves `--model`: an existing folder wins (a folder named like a shipped model in the working
 * directory is that folder); otherwise the name of a shipped model. Anything else is a usage error
 * naming both possibilities.
 */
export async function resolveModelSource(command: string, value: string): Promise<ModelSource> {
  try {
    if ((await stat(value)).isDirectory()) return { dir: value };
  } catch {
    // not on disk: maybe a shipped model's name
  }
  if (isShippedModelName(value)) return { dir: shippedModelDir(value), shipped: value };
  throw new CliUsageError(
    `${command}: --model '${value}' is neither a model folder nor a shipped model (shipped: ${shippedModels()
      .map((m) => m.name)
      .join(', ')}; 'raunet models' lists them)`,
  );
}
