import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNifti } from '@raunet/io';
import { writePhantomDataset } from '@raunet/phantom';

// Ctrl-C as a user presses it: the `raunet` process (from source) receives SIGINT in the middle of an
// epoch, or of a folder of predictions. A run must stop after the current step (or case) and always
// end with complete files: a checkpoint that loads, masks that read. (docs/reliability.md)

const BIN = resolve('packages/cli/src/bin.ts');

interface Child {
  code: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when stderr + stdout together match `pattern`. */
  waitFor: (pattern: RegExp) => Promise<void>;
  kill: (signal: NodeJS.Signals) => void;
}

function raunet(...argv: string[]): Child {
  const child = spawn(process.execPath, ['--conditions=@raunet/source', '--import', 'tsx', BIN, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  let out = '';
  let err = '';
  const watchers: { pattern: RegExp; resolve: () => void }[] = [];
  const check = () => {
    for (const w of watchers.splice(0)) if (w.pattern.test(out + err)) w.resolve();
    else watchers.push(w);
  };
  child.stdout.on('data', (d: Buffer) => ((out += d.toString()), check()));
  child.stderr.on('data', (d: Buffer) => ((err += d.toString()), check()));
  const code = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  return {
    code,
    stdout: () => out,
    stderr: () => err,
    waitFor: (pattern) =>
      new Promise<void>((res, rej) => {
        watchers.push({ pattern, resolve: res });
        check();
        void code.then(() => rej(new Error(`process ended before ${pattern}: ${err}`)));
      }),
    kill: (signal) => child.kill(signal),
  };
}

/** A checkpoint folder is complete when state.json parses and each binary holds exactly the bytes its manifest lists. */
function assertCompleteCheckpoint(dir: string): { epoch: number; stepInEpoch: number } {
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { epoch: number; stepInEpoch: number };
  for (const [bin, manifest] of [
    ['weights.bin', 'weights.json'],
    ['optimizer.bin', 'optimizer.json'],
  ]) {
    const specs = JSON.parse(readFileSync(join(dir, manifest), 'utf8')) as { shape: number[] }[];
    const bytes = specs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
    expect(statSync(join(dir, bin)).size, bin).toBe(bytes);
  }
  return state;
}

/** Hidden temporary siblings left by an interrupted atomic write. */
const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('.'));

let dir = '';
let data = '';
let config = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'raunet-interrupt-'));
  data = join(dir, 'data');
  await writePhantomDataset(data, { cases: 3, dims: [32, 32, 16], seed: 5, healthyProbability: 0 });
  config = join(dir, 'tiny.json');
  writeFileSync(config, JSON.stringify({ model: { levels: 2, baseFilters: 4, attentionHeads: 1 }, validationOverlap: 0 }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const trainArgs = (out: string, steps: number) => [
  'train', '--root', data, '--config', config, '--out', out, '--patch', '16,16,8', '--epochs', '1', '--steps', String(steps),
  '--batch-size', '1', '--backend', 'cpu', '--test', '0', '--validation', '1',
];

describe('Ctrl-C', { timeout: 300_000 }, () => {
  it('during the first epoch of train: stops after the current step with a complete checkpoint, and --resume finishes the run', async () => {
    const out = join(dir, 'run');
    const steps = 2000;
    const run = raunet(...trainArgs(out, steps));
    await run.waitFor(/step 1\/2000/);
    await new Promise((r) => setTimeout(r, 1500));
    run.kill('SIGINT');
    expect(await run.code).toBe(130);
    expect(run.stderr()).toContain('stopping after the current step');
    expect(run.stderr()).not.toContain('unexpected');
    const state = assertCompleteCheckpoint(join(out, 'checkpoint'));
    expect(state.epoch).toBe(0); // mid-epoch: the first epoch never ended
    expect(state.stepInEpoch).toBeGreaterThan(1);
    expect(state.stepInEpoch).toBeLessThan(steps);
    expect(run.stdout()).toContain(`stopped at epoch 0; checkpoint in ${join(out, 'checkpoint')}`);
    expect(leftovers(out)).toEqual([]);

    // resume with a budget that ends soon after the checkpoint's step
    const rest = raunet(...trainArgs(out, state.stepInEpoch + 3), '--resume', '--json');
    expect(await rest.code).toBe(0);
    const summary = JSON.parse(rest.stdout()) as { epochsCompleted: number; resumed: boolean; finalModelDir: string };
    expect(summary).toMatchObject({ epochsCompleted: 1, resumed: true });
    expect(existsSync(join(summary.finalModelDir, 'model.json'))).toBe(true);
  });

  it('twice in a row during train: still ends with a complete checkpoint, exit code 130', async () => {
    const out = join(dir, 'run-twice');
    const run = raunet(...trainArgs(out, 2000));
    await run.waitFor(/step 1\/2000/);
    await new Promise((r) => setTimeout(r, 1000));
    run.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 5));
    run.kill('SIGINT');
    expect(await run.code).toBe(130);
    const state = assertCompleteCheckpoint(join(out, 'checkpoint'));
    expect(state.stepInEpoch).toBeGreaterThan(0);
    expect(leftovers(join(out))).toEqual([]);
  });

  it('during predict of a folder: finishes the current case, writes no partial file, says how many were done', async () => {
    const model = join(dir, 'run', 'model');
    expect(existsSync(model)).toBe(true); // from the first test
    const cases = join(dir, 'many');
    await writePhantomDataset(cases, { cases: 5, dims: [32, 32, 16], seed: 9 });
    const input = join(cases, 'COVID-19-CT-Seg_20cases');
    const masks = join(dir, 'masks');
    const run = raunet('predict', '--model', model, '--input', input, '--output', masks, '--backend', 'cpu', '--overlap', '0.5');
    await run.waitFor(/phantom_000: \d+ infection voxels/);
    run.kill('SIGINT');
    expect(await run.code).toBe(130);
    const written = readdirSync(masks).filter((f) => !f.startsWith('.'));
    expect(leftovers(masks)).toEqual([]);
    expect(written.length).toBeGreaterThanOrEqual(1);
    expect(written.length).toBeLessThan(5);
    expect(run.stderr()).toContain(`predict: stopped after ${written.length} of 5 cases`);
    for (const f of written) expect((await readNifti(join(masks, f))).dims).toEqual([32, 32, 16]);
  });
});
