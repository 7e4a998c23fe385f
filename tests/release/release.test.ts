/**
 * Release readiness: every public package is packed with `pnpm pack`, the tarballs are installed with
 * npm (not pnpm) together with @tensorflow/tfjs into a fresh project outside the workspace, and that
 * project uses them the way a user would: import each package, build a small model with RABlock3D, train
 * a step, save it, load it in a fresh process and get the same prediction, read and write a NIfTI, and run
 * the CLI bin. Needs the packages built (`pnpm build`) and the npm registry reachable for tfjs at install.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const packagesDir = join(root, 'packages');
const publicPackages = readdirSync(packagesDir).filter((p) => {
  const json = JSON.parse(readFileSync(join(packagesDir, p, 'package.json'), 'utf8')) as { private?: boolean };
  return !json.private;
});
const built = publicPackages.every((p) => existsSync(join(packagesDir, p, 'dist', 'index.js')));
if (!built && process.env.CI) throw new Error('release test: packages are not built (run pnpm build before the tests)');
const enabled = built && process.env.RAUNET_SKIP_RELEASE_TEST !== '1';

function run(cmd: string, args: string[], cwd: string, timeout = 600_000): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
}

describe.skipIf(!enabled)(`packages installed from npm tarballs${built ? '' : ' (skipped: run pnpm build first)'}`, () => {
  let work = '';
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'raunet-release-'));
    const tarballs = join(work, 'tarballs');
    const overrides: Record<string, string> = {};
    for (const p of publicPackages) {
      const out = run('pnpm', ['pack', '--pack-destination', tarballs], join(packagesDir, p));
      const file = out.trim().split('\n').filter((l) => l.endsWith('.tgz')).pop()!;
      const name = (JSON.parse(readFileSync(join(packagesDir, p, 'package.json'), 'utf8')) as { name: string }).name;
      overrides[name] = `file:${resolve(tarballs, file.split('/').pop()!)}`;
    }
    const app = join(work, 'app');
    run('mkdir', ['-p', app], work);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'raunet-user-app', private: true, type: 'module', dependencies: { ...overrides, '@tensorflow/tfjs': '4.22.0' }, overrides }, null, 2),
    );
    run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts=false', '--loglevel=error'], app, 900_000);
    for (const f of readdirSync(join(import.meta.dirname, 'app'))) writeFileSync(join(app, f), readFileSync(join(import.meta.dirname, 'app', f)));
  }, 1_200_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('imports every package by name from plain Node ESM', () => {
    const out = run('node', ['imports.mjs', ...publicPackages.map((p) => `@raunet/${p}`)], join(work, 'app'));
    for (const p of publicPackages) expect(out).toContain(`ok @raunet/${p}`);
  });

  it('builds, trains, saves a model with RABlock3D and reloads it in a fresh process with the same prediction', () => {
    const app = join(work, 'app');
    const first = JSON.parse(run('node', ['model.mjs', 'train'], app)) as { loss: number; prediction: number[] };
    expect(Number.isFinite(first.loss)).toBe(true);
    const second = JSON.parse(run('node', ['model.mjs', 'load'], app)) as { prediction: number[] };
    expect(second.prediction).toEqual(first.prediction);
  });

  it('reads and writes NIfTI', () => {
    const out = JSON.parse(run('node', ['nifti.mjs'], join(work, 'app'))) as { dims: number[]; equal: boolean };
    expect(out.dims).toEqual([5, 4, 3]);
    expect(out.equal).toBe(true);
  });

  it('runs the installed raunet bin', () => {
    const app = join(work, 'app');
    expect(run(join(app, 'node_modules/.bin/raunet'), ['--help'], app)).toContain('Usage: raunet <command>');
    const info = run(join(app, 'node_modules/.bin/raunet'), ['info', join(app, 'written.nii.gz'), '--json'], app);
    expect((JSON.parse(info) as { dims: number[] }).dims).toEqual([5, 4, 3]);
  });
});
