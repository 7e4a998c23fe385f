import { describe, expect, it } from 'vitest';
import { helpText, parseFlags, type FlagSpecs } from './args.js';
import { CliUsageError } from './context.js';

const SPEC = {
  out: { type: 'string', default: 'runs', description: 'output folder' },
  input: { type: 'string', required: true, description: 'input' },
  pred: { type: 'string', multiple: true, description: 'prediction folder' },
  epochs: { type: 'integer', min: 1, description: 'epochs' },
  overlap: { type: 'number', min: 0, max: 0.95, default: 0.5, description: 'overlap' },
  lr: { type: 'number', min: 0, description: 'learning rate' },
  model: { type: 'choice', choices: ['raunet', 'unet'], default: 'raunet', description: 'architecture' },
  patch: { type: 'dims', min: 16, max: 512, description: 'patch' },
  json: { type: 'boolean', description: 'JSON' },
} as const satisfies FlagSpecs;

function usageError(argv: string[]): string {
  try {
    parseFlags('cmd', argv, SPEC);
  } catch (e) {
    expect(CliUsageError.isInstance(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

describe('parseFlags', () => {
  it('parses each type once, from the spec, and fills defaults', () => {
    const { flags, positionals } = parseFlags(
      'cmd',
      ['--input', 'a.nii', 'x', '--pred', 'p1', '--pred', 'p2', '--epochs', '3', '--lr', '1e-4', '--patch', '32x32,16', '--json'],
      SPEC,
    );
    expect(flags).toEqual({
      out: 'runs',
      input: 'a.nii',
      pred: ['p1', 'p2'],
      epochs: 3,
      overlap: 0.5,
      lr: 1e-4,
      model: 'raunet',
      patch: [32, 32, 16],
      json: true,
    });
    expect(positionals).toEqual(['x']);
    // absent: no value (undefined), an empty list, false
    const bare = parseFlags('cmd', ['--input', 'a'], SPEC).flags;
    expect(bare.epochs).toBeUndefined();
    expect(bare.patch).toBeUndefined();
    expect(bare.pred).toEqual([]);
    expect(bare.json).toBe(false);
    // the types follow the spec (checked by the compiler)
    const typed: { epochs: number | undefined; model: 'raunet' | 'unet'; patch: [number, number, number] | undefined } = bare;
    expect(typed.model).toBe('raunet');
  });

  it('rejects a bad value naming the flag, what it accepts and what it received', () => {
    expect(usageError(['--input', 'a', '--epochs', '2.5'])).toBe("cmd: --epochs must be an integer >= 1, received '2.5'");
    expect(usageError(['--input', 'a', '--epochs', '0'])).toBe("cmd: --epochs must be an integer >= 1, received '0'");
    expect(usageError(['--input', 'a', '--lr', 'fast'])).toBe("cmd: --lr must be a number >= 0, received 'fast'");
    expect(usageError(['--input', 'a', '--lr', ''])).toBe("cmd: --lr must be a number >= 0, received ''");
    expect(usageError(['--input', 'a', '--overlap', '1'])).toBe("cmd: --overlap must be a number in [0, 0.95], received '1'");
    expect(usageError(['--input', 'a', '--model', 'vnet'])).toBe("cmd: --model must be one of raunet, unet, received 'vnet'");
    expect(usageError(['--input', 'a', '--patch', '32,32'])).toBe("cmd: --patch must be three integers in [16, 512] as X,Y,Z, received '32,32'");
    expect(usageError(['--input', 'a', '--patch', '32,8,16'])).toContain("received '32,8,16'");
    expect(usageError(['--input', 'a', '--patch', '32,,16'])).toContain("received '32,,16'");
  });

  it('requires required flags (an empty value too) and refuses unknown ones', () => {
    expect(usageError([])).toBe('cmd: --input is required');
    expect(usageError(['--input', ''])).toBe('cmd: --input is required');
    expect(usageError(['--input', 'a', '--nope'])).toContain("Unknown option '--nope'");
    expect(usageError(['--input', 'a', '--epochs'])).toContain("'--epochs <value>' argument missing");
  });
});

describe('helpText', () => {
  it('shows each flag with its value, type or range, choices and default', () => {
    const help = helpText('cmd [flags]', 'does things', {
      ...SPEC,
      backend: { type: 'choice', choices: ['cpu', 'wasm'], default: 'cpu', value: 'B', description: 'backend' },
      steps: { type: 'integer', min: 1, defaultText: "the model's", description: 'steps' },
    });
    expect(help).toMatch(/--epochs <N> +epochs \(an integer >= 1\)\n/);
    expect(help).toMatch(/--overlap <value> +overlap \(a number in \[0, 0\.95\]; default 0\.5\)\n/);
    expect(help).toMatch(/--model <raunet\|unet> +architecture \(default raunet\)\n/);
    expect(help).toMatch(/--backend <B> +backend \(one of cpu, wasm; default cpu\)\n/);
    expect(help).toMatch(/--patch <X,Y,Z> +patch \(three integers in \[16, 512\]\)\n/);
    expect(help).toMatch(/--pred <value> +prediction folder \(repeatable\)\n/);
    expect(help).toMatch(/--input <value> +input \(required\)\n/);
    expect(help).toMatch(/--steps <N> +steps \(an integer >= 1; default: the model's\)\n/);
    expect(help).toMatch(/--json +JSON\n/);
  });
});
