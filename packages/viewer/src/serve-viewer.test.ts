import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileAccessError, InvalidArgumentError } from '@raunet/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readViewerReport, writeViewerReport } from './viewer-report.js';
import { serveViewer, type ViewerServer } from './serve-viewer.js';

/** A raw HTTP request (fetch would normalise `..` and forbid setting Host). */
function get(port: number, path: string, options: { method?: string; host?: string } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { host: options.host ?? `127.0.0.1:${port}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveViewer', () => {
  let dir: string;
  let server: ViewerServer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'raunet-serve-'));
    await mkdir(join(dir, 'app'));
    await writeFile(join(dir, 'app', 'index.html'), '<!doctype html><p>page</p>');
    await writeFile(join(dir, 'app', 'viewer.js'), 'console.log(1)');
    await writeFile(join(dir, 'ct.nii.gz'), 'CT BYTES');
    await writeFile(join(dir, 'mask one.nii.gz'), 'MASK BYTES');
    await writeFile(join(dir, 'secret.txt'), 'SECRET');
    await mkdir(join(dir, 'model'));
    await writeFile(join(dir, 'model', 'model.json'), JSON.stringify({ weightsManifest: [{ paths: ['./weights.bin'], weights: [] }] }));
    await writeFile(join(dir, 'model', 'weights.bin'), 'W');
    await writeFile(join(dir, 'model', 'other.bin'), 'O');
    server = await serveViewer({ appDir: join(dir, 'app'), cases: [{ name: 'c1', ct: join(dir, 'ct.nii.gz'), mask: join(dir, 'mask one.nii.gz'), numbers: { a: 1 } }], models: [{ name: 'm', dir: join(dir, 'model'), description: 'd' }] });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 and serves the page, the manifest and the named files', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await get(server.port, '/')).body).toContain('page');
    const manifest = JSON.parse((await get(server.port, '/manifest.json')).body);
    expect(manifest).toEqual({
      version: 1,
      title: 'RA-Unet viewer',
      cases: [{ name: 'c1', ct: 'files/0/ct/ct.nii.gz', mask: 'files/0/mask/mask%20one.nii.gz', numbers: { a: 1 } }],
      models: [{ name: 'm', url: 'models/m/model.json', description: 'd' }],
    });
    expect((await get(server.port, '/files/0/ct/ct.nii.gz')).body).toBe('CT BYTES');
    expect((await get(server.port, '/files/0/mask/mask%20one.nii.gz')).body).toBe('MASK BYTES');
    expect((await get(server.port, '/models/m/weights.bin')).body).toBe('W');
    const head = await get(server.port, '/files/0/ct/ct.nii.gz', { method: 'HEAD' });
    expect([head.status, head.body, head.headers['content-length']]).toEqual([200, '', '8']);
    expect(String(head.headers['content-security-policy'])).toContain("connect-src 'self'");
  });

  it('serves an ensemble folder: ensemble.json and each member folder\'s model.json and weights, nothing else', async () => {
    const ens = join(dir, 'ens');
    for (const member of ['member-0', 'member-1']) {
      await mkdir(join(ens, member), { recursive: true });
      await writeFile(join(ens, member, 'model.json'), JSON.stringify({ weightsManifest: [{ paths: ['./weights.bin'], weights: [] }] }));
      await writeFile(join(ens, member, 'weights.bin'), member);
    }
    await mkdir(join(ens, 'notes'));
    await writeFile(join(ens, 'notes', 'x.txt'), 'X');
    await writeFile(join(ens, 'ensemble.json'), JSON.stringify({ format: 'raunet-ensemble', version: 1, members: ['member-0', 'member-1'] }));
    const s2 = await serveViewer({ appDir: join(dir, 'app'), models: [{ name: 'e', dir: ens, description: 'two' }] });
    try {
      const manifest = JSON.parse((await get(s2.port, '/manifest.json')).body);
      expect(manifest.models).toEqual([{ name: 'e', url: 'models/e/ensemble.json', description: 'two' }]);
      expect(JSON.parse((await get(s2.port, '/models/e/ensemble.json')).body).members).toEqual(['member-0', 'member-1']);
      expect((await get(s2.port, '/models/e/member-1/weights.bin')).body).toBe('member-1');
      expect((await get(s2.port, '/models/e/member-0/model.json')).status).toBe(200);
      for (const path of ['/models/e/model.json', '/models/e/notes/x.txt']) expect((await get(s2.port, path)).status, path).toBe(404);
    } finally {
      await s2.close();
    }
    // a member whose weights are missing is named before the server starts
    await rm(join(ens, 'member-1', 'weights.bin'));
    await expect(serveViewer({ appDir: join(dir, 'app'), models: [{ name: 'e', dir: ens, description: '' }] })).rejects.toThrow(/member-1\/weights.bin: cannot serve the weights of 'e': no such file/);
    await rm(join(ens, 'member-0'), { recursive: true });
    await rm(join(ens, 'member-1'), { recursive: true });
    await expect(serveViewer({ appDir: join(dir, 'app'), models: [{ name: 'e', dir: ens, description: '' }] })).rejects.toThrow(/no member folder with a model.json/);
  });

  it('serves nothing else: other files 404, escapes 403, writes 405, foreign hosts 403', async () => {
    for (const path of ['/secret.txt', '/files/0/ct/secret.txt', '/files/1/ct/ct.nii.gz', '/models/m/other.bin', '/app/index.html', '/files/0/truth/ct.nii.gz']) {
      expect((await get(server.port, path)).status, path).toBe(404);
    }
    for (const path of ['/files/0/ct/../../secret.txt', '/files/0/ct/%2e%2e%2fsecret.txt', '/..%5csecret.txt']) {
      expect((await get(server.port, path)).status, path).toBe(403);
    }
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const r = await get(server.port, '/files/0/ct/ct.nii.gz', { method });
      expect([r.status, r.headers.allow]).toEqual([405, 'GET, HEAD']);
    }
    expect((await get(server.port, '/', { host: 'evil.example:80' })).status).toBe(403);
    expect((await get(server.port, '/', { host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('a missing file fails before listening, naming it', async () => {
    const missing = join(dir, 'nope.nii.gz');
    const error = await serveViewer({ appDir: join(dir, 'app'), cases: [{ name: 'x', ct: missing }] }).catch((e: unknown) => e);
    expect(FileAccessError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(missing);
    const noApp = await serveViewer({ appDir: join(dir, 'none') }).catch((e: unknown) => e);
    expect((noApp as Error).message).toMatch(/viewer page.*pnpm build/);
    const twice = await serveViewer({ appDir: join(dir, 'app'), cases: [{ name: 'x', ct: join(dir, 'ct.nii.gz') }, { name: 'x', ct: join(dir, 'ct.nii.gz') }] }).catch((e: unknown) => e);
    expect(InvalidArgumentError.isInstance(twice)).toBe(true);
  });

  it('a report folder holds the page, copies of the files and a manifest; reading it back gives the same cases', async () => {
    const report = join(dir, 'report');
    const manifest = await writeViewerReport(report, [{ name: 'case/1', ct: join(dir, 'ct.nii.gz'), mask: join(dir, 'mask one.nii.gz'), numbers: { 'time (s)': 2 } }], { appDir: join(dir, 'app'), title: 'T' });
    expect(manifest.cases[0]).toEqual({ name: 'case/1', ct: 'cases/case_1/ct.nii.gz', mask: 'cases/case_1/mask.nii.gz', numbers: { 'time (s)': 2 } });
    expect(await readFile(join(report, 'index.html'), 'utf8')).toContain('page');
    expect(await readFile(join(report, 'cases/case_1/mask.nii.gz'), 'utf8')).toBe('MASK BYTES');
    const back = await readViewerReport(report);
    expect(back).toEqual({ title: 'T', cases: [{ name: 'case/1', ct: join(report, 'cases/case_1/ct.nii.gz'), mask: join(report, 'cases/case_1/mask.nii.gz'), numbers: { 'time (s)': 2 } }] });
  });

  it('a report manifest naming a file outside its folder is refused', async () => {
    const report = join(dir, 'bad-report');
    await mkdir(report);
    for (const ct of ['../secret.txt', '/etc/passwd', 'http://example.com/ct.nii.gz']) {
      await writeFile(join(report, 'manifest.json'), JSON.stringify({ version: 1, title: 't', cases: [{ name: 'a', ct }], models: [] }));
      const error = await readViewerReport(report).catch((e: unknown) => e);
      expect(InvalidArgumentError.isInstance(error), ct).toBe(true);
      expect((error as Error).message).toContain('not a path inside the report folder');
    }
    await writeFile(join(report, 'manifest.json'), '{"version": 2}');
    expect(((await readViewerReport(report).catch((e: unknown) => e)) as Error).message).toMatch(/unsupported version 2/);
    expect(FileAccessError.isInstance(await readViewerReport(join(dir, 'none')).catch((e: unknown) => e))).toBe(true);
  });
});
