import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli.js';

const NIFTI = resolve('../shared/data/nifti');
const VOI = resolve('../shared/data/lesions/lidc-nodules/images/LIDC-IDRI-0008_R_1.nii.gz');
const have = existsSync(NIFTI) && existsSync(VOI);
if (!have && process.env.CI) throw new Error(`shared data missing in CI: ${NIFTI}, ${VOI}`);

/** Starts `raunet view ...` in-process; resolves with its URL, and a stop() that returns the exit code. */
async function startView(...argv: string[]): Promise<{ url: string; stderr: () => string; stop: () => Promise<number> }> {
  const controller = new AbortController();
  let stdout = '';
  let stderr = '';
  let announce: (url: string) => void = () => {};
  const announced = new Promise<string>((r) => (announce = r));
  const done = runCli(['view', ...argv, '--no-open'], {
    stdout: (s) => {
      stdout += s;
      const m = /http:\/\/127\.0\.0\.1:\d+\/\S*/.exec(stdout);
      if (m) announce(m[0]);
    },
    stderr: (s) => (stderr += s),
    signal: controller.signal,
  });
  const url = await Promise.race([announced, done.then((code) => Promise.reject(new Error(`view exited with ${code}: ${stderr}`)))]);
  return {
    url,
    stderr: () => stderr,
    stop: async () => {
      controller.abort();
      return done;
    },
  };
}

describe.skipIf(!have)('raunet view', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'raunet-view-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the page and only the named files on 127.0.0.1 until stopped', async () => {
    const ct = join(NIFTI, 'chest_ct_cip64_int16.nii.gz');
    const mask = join(NIFTI, 'chest_cip64_wholelung_uint16.nii.gz');
    const view = await startView(ct, '--mask', mask);
    expect(view.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await (await fetch(view.url)).text()).toContain('RA-Unet viewer');
    const manifest = (await (await fetch(`${view.url}manifest.json`)).json()) as { cases: { name: string; ct: string; mask: string }[]; models: { name: string }[] };
    expect(manifest.cases).toEqual([{ name: 'chest_ct_cip64_int16', ct: 'files/0/ct/chest_ct_cip64_int16.nii.gz', mask: 'files/0/mask/chest_cip64_wholelung_uint16.nii.gz' }]);
    expect(manifest.models.map((m) => m.name)).toContain('lidc-nodules');
    const served = new Uint8Array(await (await fetch(view.url + manifest.cases[0].mask)).arrayBuffer());
    expect(Buffer.from(served).equals(await readFile(mask))).toBe(true);
    // A file next to the named ones is not served.
    expect((await fetch(`${view.url}files/0/ct/chest_cip64_lungregions_uint16.nii.gz`)).status).toBe(404);
    expect((await fetch(view.url + manifest.cases[0].ct, { method: 'POST' })).status).toBe(405);
    expect(await view.stop()).toBe(0);
    await expect(fetch(view.url)).rejects.toThrow();
  });

  it('rejects a missing file and flags that do not go with a folder', async () => {
    const missing = await runCli(['view', join(dir, 'none.nii.gz'), '--no-open'], { stdout: () => {}, stderr: () => {} });
    expect(missing).not.toBe(0);
    let stderr = '';
    const code = await runCli(['view', dir, '--mask', 'x.nii.gz', '--no-open'], { stdout: () => {}, stderr: (s) => (stderr += s) });
    expect(code).toBe(2);
    expect(stderr).toContain('--mask goes with a CT file');
  });

  it('predict --report writes a viewer folder that raunet view DIR serves', async () => {
    const report = join(dir, 'report');
    let out = '';
    const code = await runCli(['predict', '--model', 'lidc-nodules', '--input', VOI, '--output', join(dir, 'mask.nii.gz'), '--prob', join(dir, 'prob.nii.gz'), '--no-tta', '--report', report], { stdout: (s) => (out += s), stderr: () => {} });
    expect(code).toBe(0);
    expect(out).toContain(`raunet view ${report}`);
    const manifest = JSON.parse(await readFile(join(report, 'manifest.json'), 'utf8')) as { cases: Record<string, unknown>[] };
    expect(manifest.cases).toHaveLength(1);
    expect(manifest.cases[0]).toMatchObject({ name: 'LIDC-IDRI-0008_R_1', ct: 'cases/LIDC-IDRI-0008_R_1/ct.nii.gz', mask: 'cases/LIDC-IDRI-0008_R_1/mask.nii.gz', prob: 'cases/LIDC-IDRI-0008_R_1/prob.nii.gz', mesh: 'cases/LIDC-IDRI-0008_R_1/mesh.stl' });
    expect((await readFile(join(report, 'cases/LIDC-IDRI-0008_R_1/mask.nii.gz'))).equals(await readFile(join(dir, 'mask.nii.gz')))).toBe(true);
    expect(existsSync(join(report, 'index.html')) && existsSync(join(report, 'viewer.js'))).toBe(true);
    const view = await startView(report);
    const served = (await (await fetch(`${view.url}manifest.json`)).json()) as { cases: { mesh: string }[] };
    const mesh = await fetch(view.url + served.cases[0].mesh);
    expect(mesh.status).toBe(200);
    expect((await mesh.arrayBuffer()).byteLength).toBeGreaterThan(84);
    expect(await view.stop()).toBe(0);
  });
});
