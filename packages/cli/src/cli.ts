import { RaunetError } from '@raunet/core';
import type { FlagSpec, ParsedArgs } from './internal/args.js';
import { helpText, parseFlags } from './internal/args.js';
import { CliUsageError, type CliIO } from './internal/context.js';

/** A subcommand: its flags, help and implementation (loaded lazily). */
export interface CommandModule {
  /** One-line summary for `raunet --help`. */
  summary: string;
  /** Usage line. */
  usage: string;
  /** Flags it accepts. */
  flags: Record<string, FlagSpec>;
  /** Runs the command; resolves to the process exit code. */
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}

const commands: Record<string, () => Promise<{ command: CommandModule }>> = {
  demo: () => import('./commands/demo.js'),
  train: () => import('./commands/train.js'),
  predict: () => import('./commands/predict.js'),
  evaluate: () => import('./commands/evaluate.js'),
  mesh: () => import('./commands/mesh.js'),
  info: () => import('./commands/info.js'),
};

const summaries: Record<string, string> = {
  demo: 'synthesize phantoms, train a small RA-Unet, predict, evaluate, write a report',
  train: 'train RA-Unet or U-Net on NIfTI image and mask folders',
  predict: 'segment one CT or a folder of CTs with a trained model',
  evaluate: 'score predicted masks against ground truth (DSC, HD95, NSD, ...)',
  mesh: 'turn a mask into a 3D surface model (STL, PLY, OBJ)',
  info: 'summarize a NIfTI file: dims, spacing, orientation, datatype, intensities',
};

/** The text of `raunet --help`. */
export function mainHelp(): string {
  const rows = Object.keys(commands).map((c) => `  ${c.padEnd(10)} ${summaries[c]}`);
  return `raunet: COVID-19 lung infection segmentation in 3D CT (RA-Unet)\n\nUsage: raunet <command> [options]\n\nCommands:\n${rows.join('\n')}\n\nRun 'raunet <command> --help' for a command's options.\n`;
}

/**
 * Runs the command line in-process and resolves to the exit code: 0 success, 1 failure (one line on
 * stderr naming the file and the problem), 2 wrong usage. Never calls `process.exit`.
 *
 * @example
 * ```ts
 * const code = await runCli(['info', 'ct.nii.gz'], { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(mainHelp());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    const pkg = (await import('../package.json', { with: { type: 'json' } })).default as { version: string };
    io.stdout(`${pkg.version}\n`);
    return 0;
  }
  const load = commands[name];
  if (!load) {
    io.stderr(`raunet: unknown command '${name}'. Commands: ${Object.keys(commands).join(', ')}\n`);
    return 2;
  }
  try {
    const { command } = await load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(helpText(command.usage, command.summary, command.flags));
      return 0;
    }
    const args = parseFlags(name, rest, command.flags);
    return await command.run(args, io);
  } catch (e) {
    if (CliUsageError.isInstance(e)) {
      io.stderr(`raunet ${e.message}\nRun 'raunet ${name} --help' for usage.\n`);
      return 2;
    }
    if (RaunetError.isInstance(e)) {
      io.stderr(`raunet ${name}: ${e.message}\n`);
      return 1;
    }
    io.stderr(`raunet ${name}: unexpected error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}
