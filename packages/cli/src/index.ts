/**
 * The `raunet` command line, runnable in-process: `runCli(['train', ...], io)` resolves to the exit code.
 *
 * @packageDocumentation
 */
export { runCli, mainHelp } from './cli.js';
export type { CommandModule } from './internal/command.js';
export { CliUsageError, type CliIO } from './internal/context.js';
export type { FlagSpec, ParsedArgs } from './internal/args.js';
export { readTrainConfig, type TrainConfigFile } from './internal/train-config.js';
export { DEMO_DEFAULTS } from './internal/demo-defaults.js';
