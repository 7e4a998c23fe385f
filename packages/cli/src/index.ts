/**
 * The `raunet` command line, runnable in-process: `runCli(['train', ...], io)` resolves to the exit code.
 *
 * @packageDocumentation
 */
export { runCli, mainHelp } from './cli.js';
export { defineCommand, type CommandModule } from './internal/command.js';
export { CliUsageError, type CliIO } from './internal/context.js';
export type {
  BooleanFlagSpec,
  ChoiceFlagSpec,
  DimsFlagSpec,
  FlagSpec,
  FlagSpecBase,
  FlagSpecs,
  FlagValue,
  FlagValues,
  NumberFlagSpec,
  OrUndefined,
  ParsedArgs,
  StringFlagSpec,
} from './internal/args.js';
export { readTrainConfig, type TrainConfigFile } from './internal/train-config.js';
export { DEMO_DEFAULTS } from './internal/demo-defaults.js';
