/**
 * The `raunet` command line, runnable in-process: `runCli(['train', ...], io)` resolves to the exit code.
 *
 * @packageDocumentation
 */
export { runCli, mainHelp, type CommandModule } from './cli.js';
export { CliUsageError, type CliIO } from './internal/context.js';
export type { FlagSpec, ParsedArgs } from './internal/args.js';
export { readTrainConfig, type TrainConfigFile } from './commands/train.js';
export { DEMO_DEFAULTS } from './commands/demo.js';
