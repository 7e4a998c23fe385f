import { parseArgs } from 'node:util';
import { CliUsageError } from './context.js';

/** One flag of a command. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  description: string;
  /** Shown in the help as the value's name. */
  value?: string;
  multiple?: boolean;
}

/** Parsed flags and positionals of a command. */
export interface ParsedArgs {
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Parses `argv` strictly: unknown flags and missing values are a {@link CliUsageError}. */
export function parseFlags(command: string, argv: string[], spec: Record<string, FlagSpec>): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, f] of Object.entries(spec)) {
    options[name] = {
      type: f.type,
      ...(f.short ? { short: f.short } : {}),
      ...(f.multiple ? { multiple: true } : {}),
    };
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { flags: values as ParsedArgs['flags'], positionals };
  } catch (e) {
    throw new CliUsageError(`${command}: ${(e as Error).message.replace(/\. To specify.*$/s, '')}`);
  }
}

/** Help text of a command from its flag specs. */
export function helpText(usage: string, summary: string, spec: Record<string, FlagSpec>): string {
  const rows = Object.entries(spec).map(([name, f]) => {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${name}${f.type === 'string' ? ` <${f.value ?? 'value'}>` : ''}`;
    return `  ${left.padEnd(30)} ${f.description}`;
  });
  return `${summary}\n\nUsage: ${usage}\n\nOptions:\n${rows.join('\n')}\n`;
}

/** A string flag, or `undefined`. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** A required string flag; a {@link CliUsageError} naming it when absent. */
export function requireFlag(command: string, args: ParsedArgs, name: string): string {
  const v = stringFlag(args, name);
  if (v === undefined || v === '') throw new CliUsageError(`${command}: --${name} is required`);
  return v;
}

/** A numeric flag within `[min, max]`; a {@link CliUsageError} naming the flag and the value otherwise. */
export function numberFlag(
  command: string,
  args: ParsedArgs,
  name: string,
  options: { min?: number; max?: number; integer?: boolean } = {},
): number | undefined {
  const raw = stringFlag(args, name);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  const { min = -Infinity, max = Infinity, integer = false } = options;
  if (raw.trim() === '' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    const range = `${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}${max < Infinity ? ` <= ${max}` : ''}`;
    throw new CliUsageError(`${command}: --${name} must be ${range}, received '${raw}'`);
  }
  return v;
}

/** A flag restricted to a set of words. */
export function choiceFlag<T extends string>(
  command: string,
  args: ParsedArgs,
  name: string,
  choices: readonly T[],
): T | undefined {
  const raw = stringFlag(args, name);
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new CliUsageError(`${command}: --${name} must be one of ${choices.join(', ')}, received '${raw}'`);
  }
  return raw as T;
}
