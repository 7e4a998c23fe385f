import type { FlagSpec, ParsedArgs } from './args.js';
import type { CliIO } from './context.js';

/**
 * A subcommand's implementation, loaded lazily when it runs: its usage line, flags and `run`. Its name and
 * one-line summary live in the command registry, so `raunet --help` needs no command module.
 */
export interface CommandModule {
  /** Usage line, shown by `raunet <command> --help` under the summary. */
  usage: string;
  /** Flags it accepts. */
  flags: Record<string, FlagSpec>;
  /** Runs the command; resolves to the process exit code. */
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}

/** A registry entry: what `raunet --help` shows of a command, and how to load it. */
export interface CommandEntry {
  /** One-line summary, shown by `raunet --help` and at the top of `raunet <command> --help`. */
  summary: string;
  /** Imports the command's module. */
  load(): Promise<CommandModule>;
}
