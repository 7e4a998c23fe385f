import { parseArgs } from 'node:util';
import { CliUsageError } from './context.js';

/** What every kind of flag spec has. */
export interface FlagSpecBase {
  /** One-letter alias (`-o`). */
  short?: string;
  /** One line for the help; the type, range, choices and default are added to it. */
  description: string;
  /** Shown in the help as the value's name (`--out <DIR>`); the choices of a choice flag by default. */
  value?: string;
  /**
   * The default in words for the help, when it is not one fixed value of the flag (`the model's, else 0.5`):
   * the command then decides when the flag is absent. A fixed value goes in the spec's `default` instead.
   */
  defaultText?: string;
}

/** A flag without a value: `true` when given, `false` when not. */
export interface BooleanFlagSpec extends FlagSpecBase {
  type: 'boolean';
}

/** A text flag; with `multiple`, repeatable (`--pred a --pred b`), read as an array (empty when absent). */
export interface StringFlagSpec extends FlagSpecBase {
  type: 'string';
  /** Value when the flag is absent. */
  default?: string;
  /** Absent (or empty) is a {@link CliUsageError} `--NAME is required`. */
  required?: boolean;
  /** Repeatable: the values in the order given. */
  multiple?: boolean;
}

/** A number (`type: 'number'`) or an integer (`type: 'integer'`) within `[min, max]`. */
export interface NumberFlagSpec extends FlagSpecBase {
  type: 'number' | 'integer';
  /** Smallest value accepted. @defaultValue -Infinity */
  min?: number;
  /** Largest value accepted. @defaultValue Infinity */
  max?: number;
  /** Value when the flag is absent. */
  default?: number;
}

/** One word out of a fixed list. */
export interface ChoiceFlagSpec extends FlagSpecBase {
  type: 'choice';
  /** The words accepted. */
  choices: readonly string[];
  /** Value when the flag is absent. */
  default?: string;
}

/** Three integers within `[min, max]` written `X,Y,Z` or `XxYxZ` (a grid or patch size in voxels). */
export interface DimsFlagSpec extends FlagSpecBase {
  type: 'dims';
  /** Smallest value of each of the three. @defaultValue 1 */
  min?: number;
  /** Largest value of each of the three. @defaultValue Infinity */
  max?: number;
  /** Value when the flag is absent. */
  default?: readonly [number, number, number];
}

/** One flag of a command: its type lives in the spec, and the parser checks its value once (a typed value, a range, choices). */
export type FlagSpec = BooleanFlagSpec | StringFlagSpec | NumberFlagSpec | ChoiceFlagSpec | DimsFlagSpec;

/** The flags of a command by name. */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** `T` when a flag of spec `S` always has a value (a default, or required), else `T | undefined`. */
export type OrUndefined<S, T> = S extends { default: unknown } | { required: true } ? T : T | undefined;

/** The parsed value of a flag of spec `S`: `undefined` when absent unless it has a default or is required. */
export type FlagValue<S extends FlagSpec> = S extends BooleanFlagSpec
  ? boolean
  : S extends { type: 'string'; multiple: true }
    ? string[]
    : S extends { type: 'choice'; choices: readonly (infer C)[] }
      ? OrUndefined<S, C>
      : S extends NumberFlagSpec
        ? OrUndefined<S, number>
        : S extends DimsFlagSpec
          ? OrUndefined<S, [number, number, number]>
          : OrUndefined<S, string>;

/** The parsed values of the flags `F`, by name. */
export type FlagValues<F extends FlagSpecs> = { -readonly [K in keyof F]: FlagValue<F[K]> };

/** Parsed flags and positionals of a command. */
export interface ParsedArgs<F extends FlagSpecs = FlagSpecs> {
  /** Every flag of the spec, parsed and checked. */
  flags: FlagValues<F>;
  /** The arguments that are not flags, in order. */
  positionals: string[];
}

/** `an integer >= 1`, `a number in [0, 0.95]`: what a number flag accepts, for messages and help. */
function numberRange(spec: NumberFlagSpec): string {
  const { min = -Infinity, max = Infinity } = spec;
  const kind = spec.type === 'integer' ? 'an integer' : 'a number';
  if (min > -Infinity && max < Infinity) return `${kind} in [${min}, ${max}]`;
  return `${kind}${min > -Infinity ? ` >= ${min}` : ''}${max < Infinity ? ` <= ${max}` : ''}`;
}

function dimsRange(spec: DimsFlagSpec): string {
  const { min = 1, max = Infinity } = spec;
  return max < Infinity ? `three integers in [${min}, ${max}]` : min === 1 ? 'three positive integers' : `three integers >= ${min}`;
}

/** The value of one given flag, parsed and checked against its spec; a {@link CliUsageError} naming the flag and the value otherwise. */
function parseValue(command: string, name: string, spec: FlagSpec, raw: string): unknown {
  const bad = (expected: string) => new CliUsageError(`${command}: --${name} must be ${expected}, received '${raw}'`);
  switch (spec.type) {
    case 'number':
    case 'integer': {
      const v = Number(raw);
      const { min = -Infinity, max = Infinity } = spec;
      if (raw.trim() === '' || !Number.isFinite(v) || v < min || v > max || (spec.type === 'integer' && !Number.isInteger(v)))
        throw bad(numberRange(spec));
      return v;
    }
    case 'choice':
      if (!spec.choices.includes(raw)) throw bad(`one of ${spec.choices.join(', ')}`);
      return raw;
    case 'dims': {
      const { min = 1, max = Infinity } = spec;
      const parts = raw.split(/[x,]/).map((p) => (p.trim() === '' ? NaN : Number(p)));
      if (parts.length !== 3 || !parts.every((p) => Number.isInteger(p) && p >= min && p <= max))
        throw bad(`${dimsRange(spec)} as X,Y,Z`);
      return parts;
    }
    default:
      return raw;
  }
}

/**
 * Parses `argv` strictly against the flag specs: unknown flags, missing values, values of the wrong type or
 * out of range, and absent required flags are a {@link CliUsageError} naming the flag (and the value).
 * Absent flags take their spec's default; booleans are `false` when absent.
 */
export function parseFlags<F extends FlagSpecs>(command: string, argv: readonly string[], spec: F): ParsedArgs<F> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, f] of Object.entries(spec)) {
    options[name] = {
      type: f.type === 'boolean' ? 'boolean' : 'string',
      ...(f.short ? { short: f.short } : {}),
      ...(f.type === 'string' && f.multiple ? { multiple: true } : {}),
    };
  }
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliUsageError(`${command}: ${(e as Error).message.replace(/\. To specify.*$/s, '')}`);
  }
  const flags: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(spec)) {
    const raw = parsed.values[name];
    if (f.type === 'boolean') flags[name] = raw === true;
    else if (f.type === 'string' && f.multiple) {
      const list = (raw as string[] | undefined) ?? [];
      if (f.required && list.length === 0) throw new CliUsageError(`${command}: --${name} is required`);
      flags[name] = list;
    } else if (typeof raw === 'string' && !(f.type === 'string' && raw === '' && f.required)) {
      flags[name] = parseValue(command, name, f, raw);
    } else if (f.type === 'string' && f.required) {
      throw new CliUsageError(`${command}: --${name} is required`);
    } else if (f.default !== undefined) {
      flags[name] = Array.isArray(f.default) ? [...(f.default as readonly number[])] : f.default;
    }
  }
  return { flags: flags as FlagValues<F>, positionals: parsed.positionals };
}

/** What the help adds to a flag's description: its type or range, and its default. */
function helpNote(f: FlagSpec): string {
  const notes: string[] = [];
  if (f.type === 'number' || f.type === 'integer') notes.push(numberRange(f));
  if (f.type === 'dims') notes.push(dimsRange(f));
  if (f.type === 'choice' && f.value) notes.push(`one of ${f.choices.join(', ')}`);
  if (f.type === 'string' && f.multiple) notes.push('repeatable');
  if (f.type === 'string' && f.required) notes.push('required');
  if (f.type !== 'boolean' && f.default !== undefined)
    notes.push(`default ${Array.isArray(f.default) ? f.default.join(',') : String(f.default)}`);
  else if (f.defaultText !== undefined) notes.push(`default: ${f.defaultText}`);
  return notes.length ? ` (${notes.join('; ')})` : '';
}

/** The name of a flag's value in the help: `--model <raunet|unet>`, `--epochs <N>`, `--patch <X,Y,Z>`. */
function valueName(f: FlagSpec): string {
  if (f.value) return f.value;
  if (f.type === 'choice') return f.choices.join('|');
  if (f.type === 'dims') return 'X,Y,Z';
  if (f.type === 'integer') return 'N';
  return 'value';
}

/** Help text of a command from its flag specs: each flag with its value's name, type, choices and default. */
export function helpText(usage: string, summary: string, spec: FlagSpecs): string {
  const rows = Object.entries(spec).map(([name, f]) => {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${name}${f.type === 'boolean' ? '' : ` <${valueName(f)}>`}`;
    return `  ${left.padEnd(30)} ${f.description}${helpNote(f)}`;
  });
  return `${summary}\n\nUsage: ${usage}\n\nOptions:\n${rows.join('\n')}\n`;
}

/**
 * A comma-separated list of numbers given to `command`'s `--name`, each passing `ok` (described by `what`),
 * duplicates dropped (first kept); a clear usage error otherwise.
 */
export function parseNumberList(command: string, name: string, text: string, ok: (x: number) => boolean, what: string): number[] {
  const parts = text.split(',').map((t) => t.trim());
  const values = parts.map(Number);
  const bad = parts.find((t, i) => t === '' || !Number.isFinite(values[i]) || !ok(values[i]));
  if (bad !== undefined || values.length === 0) {
    throw new CliUsageError(`${command}: --${name} must be a comma-separated list of ${what}, received '${text}'${bad ? ` ('${bad}')` : ''}`);
  }
  return [...new Set(values)];
}
