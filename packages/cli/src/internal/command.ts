import type { FlagSpecs, ParsedArgs } from './args.js';
import type { CliIO } from './context.js';

/**
 * A subcommand's implementation, loaded lazily when it runs: its usage line, flags and `run`. Its name and
 * one-line summary live in the command registry, so `raunet --help` needs no command module. `run` receives
 * the flags parsed and checked against `flags` (numbers as numbers, choices as their words).
 */
export interface CommandModule<F extends FlagSpecs = FlagSpecs> {
  /** Usage line, shown by `raunet <command> --help` under the summary. */
  usage: string;
  /** Flags it accepts, each with its type (and range, choices, default). */
  flags: F;
  /** Runs the command; resolves to the process exit code. */
  run(args: ParsedArgs<F>, io: CliIO): Promise<number>;
}

/**
 * A command module whose `run` sees the flag values typed after its flag specs (citty's `defineCommand`):
 * `{ epochs: { type: 'integer', min: 1 } }` gives `args.flags.epochs: number | undefined`.
 */
export function defineCommand<const F extends FlagSpecs>(command: CommandModule<F>): CommandModule<F> {
  return command;
}

/** A registry entry: what `raunet --help` shows of a command, and how to load it. */
export interface CommandEntry {
  /** One-line summary, shown by `raunet --help` and at the top of `raunet <command> --help`. */
  summary: string;
  /** Imports the command's module. */
  load(): Promise<CommandModule>;
}
