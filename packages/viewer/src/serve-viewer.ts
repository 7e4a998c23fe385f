import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { basename, extname, join } from 'node:path';
import { FileAccessError, InvalidArgumentError } from '@raunet/core';
import type { ViewerCase, ViewerManifest, ViewerModel } from './manifest.js';
import { viewerAppDir } from './app-dir.js';

/**
 * One case to serve: the fields of a {@link ViewerCase}, with paths of files on disk where the manifest
 * has URLs (`ct`, and optionally `mask`, `truth`, `prob`, `mesh`), and the figures to show.
 */
export type ServedCase = ViewerCase;

/** A model folder (`model.json` + weight files, or an ensemble folder) to serve for in-browser segmentation. */
export interface ServedModel {
  /** Name shown in the page (e.g. `lidc-nodules`). */
  name: string;
  /** Folder holding `model.json` and the weight files it lists, or an ensemble's `ensemble.json` and member folders. */
  dir: string;
  /** One line about what it segments. */
  description: string;
}

/** Options of {@link serveViewer}. */
export interface ServeViewerOptions {
  /** The cases; their files are the only data files served. @defaultValue [] */
  cases?: ServedCase[];
  /** Models for in-browser segmentation. @defaultValue [] */
  models?: ServedModel[];
  /** Page title. @defaultValue 'RA-Unet viewer' */
  title?: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. @defaultValue 0 */
  port?: number;
  /** Folder of the built page (index.html, viewer.js, ...). @defaultValue {@link viewerAppDir} */
  appDir?: string;
}

/** A running viewer server (see {@link serveViewer}). */
export interface ViewerServer {
  /** The page's URL, `http://127.0.0.1:PORT/`. */
  url: string;
  /** The port it listens on. */
  port: number;
  /** Every URL path it answers, with the file behind it (`null` for the generated manifest). */
  routes: ReadonlyMap<string, string | null>;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * The page may talk to its own origin only: nothing can be uploaded elsewhere. `wasm-unsafe-eval` lets
 * tfjs's wasm backend compile its module; workers and downloads use blob: URLs.
 */
const CONTENT_SECURITY_POLICY_PARTS = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self' blob: data:",
  "img-src 'self' blob: data:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
];

/**
 * Headers of every answer: no caching, no sniffing, the page's own origin only. No cross-origin
 * isolation (COOP/COEP): with it tfjs picks its threaded wasm build, whose pthread workers cannot start
 * from a bundled module worker; the single-threaded SIMD build runs instead.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': CONTENT_SECURITY_POLICY_PARTS.join('; '),
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
};

async function assertFile(path: string, what: string): Promise<void> {
  let isFile = false;
  try {
    isFile = (await stat(path)).isFile();
  } catch (error) {
    throw new FileAccessError(`cannot serve the ${what}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { file: path, cause: error });
  }
  if (!isFile) throw new FileAccessError(`cannot serve the ${what}: not a file`, { file: path });
}

/** URL of a served file: its case index and base name, so two cases may share file names. */
function fileUrl(prefix: string, path: string): string {
  return `${prefix}/${encodeURIComponent(basename(path))}`;
}

/** Routes one network's `model.json` and the weight files it lists, under `base`. */
async function networkRoutes(name: string, dir: string, base: string, routes: Map<string, string | null>): Promise<void> {
  const jsonPath = join(dir, 'model.json');
  await assertFile(jsonPath, `model.json of '${name}'`);
  let json: { weightsManifest?: { paths: string[] }[] };
  try {
    json = JSON.parse(await readFile(jsonPath, 'utf8')) as typeof json;
  } catch (error) {
    throw new FileAccessError(`not a tfjs model.json: ${(error as Error).message}`, { file: jsonPath, cause: error });
  }
  routes.set(`${base}/model.json`, jsonPath);
  for (const group of json.weightsManifest ?? []) {
    for (const p of group.paths) {
      const file = p.replace(/^\.\//, '');
      if (!/^[\w.-]+$/.test(file)) throw new InvalidArgumentError(`serveViewer: weight file '${p}' of model '${name}' is not a plain file name`);
      await assertFile(join(dir, file), `weights of '${name}'`);
      routes.set(`${base}/${file}`, join(dir, file));
    }
  }
}

/**
 * Routes a model folder: one network (`model.json` and its weights), or an ensemble (`ensemble.json`, and
 * each sub-folder holding a `model.json` with its weights, as `raunet ensemble` writes them); the page
 * loads either from the returned URL with `loadPredictorFromUrl`.
 */
async function modelRoutes(model: ServedModel, routes: Map<string, string | null>): Promise<ViewerModel> {
  if (!/^[\w.-]+$/.test(model.name)) throw new InvalidArgumentError(`serveViewer: model name '${model.name}' must be letters, digits, '.', '_' or '-'`);
  const base = `/models/${model.name}`;
  const ensemblePath = join(model.dir, 'ensemble.json');
  const isEnsemble = await stat(ensemblePath).then((s) => s.isFile(), () => false);
  if (!isEnsemble) {
    await networkRoutes(model.name, model.dir, base, routes);
    return { name: model.name, url: `${base.slice(1)}/model.json`, description: model.description };
  }
  routes.set(`${base}/ensemble.json`, ensemblePath);
  let members = 0;
  for (const entry of await readdir(model.dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !/^[\w.-]+$/.test(entry.name)) continue;
    if (!(await stat(join(model.dir, entry.name, 'model.json')).then((s) => s.isFile(), () => false))) continue;
    await networkRoutes(model.name, join(model.dir, entry.name), `${base}/${entry.name}`, routes);
    members++;
  }
  if (members === 0) throw new FileAccessError(`cannot serve the ensemble '${model.name}': no member folder with a model.json beside it`, { file: ensemblePath });
  return { name: model.name, url: `${base.slice(1)}/ensemble.json`, description: model.description };
}

/** Builds the route table and the manifest: only the named files, the page's own files and the models. */
async function buildRoutes(options: ServeViewerOptions): Promise<{ routes: Map<string, string | null>; manifest: ViewerManifest }> {
  const appDir = options.appDir ?? viewerAppDir();
  await assertFile(join(appDir, 'index.html'), 'viewer page (run `pnpm build` in packages/viewer)');
  const routes = new Map<string, string | null>();
  routes.set('/', join(appDir, 'index.html'));
  for (const entry of await readdir(appDir, { withFileTypes: true })) {
    if (entry.isFile() && !entry.name.startsWith('.') && !entry.name.endsWith('.map')) routes.set(`/${entry.name}`, join(appDir, entry.name));
  }
  routes.set('/manifest.json', null);
  const cases: ViewerCase[] = [];
  const seen = new Set<string>();
  for (const [i, c] of (options.cases ?? []).entries()) {
    if (seen.has(c.name)) throw new InvalidArgumentError(`serveViewer: two cases named '${c.name}'`);
    seen.add(c.name);
    const out: ViewerCase = { name: c.name, ct: '' };
    for (const field of ['ct', 'mask', 'truth', 'prob', 'mesh'] as const) {
      const path = c[field];
      if (path === undefined) continue;
      await assertFile(path, `${field} of case '${c.name}'`);
      const url = fileUrl(`/files/${i}/${field}`, path);
      routes.set(url, path);
      out[field] = url.slice(1);
    }
    if (c.numbers) out.numbers = c.numbers;
    cases.push(out);
  }
  const models: ViewerModel[] = [];
  for (const m of options.models ?? []) models.push(await modelRoutes(m, routes));
  return { routes, manifest: { version: 1, title: options.title ?? 'RA-Unet viewer', cases, models } };
}

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(`${status} ${text}\n`);
}

function handler(routes: Map<string, string | null>, manifest: string, port: () => number) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'read-only: GET and HEAD only', { Allow: 'GET, HEAD' });
    // DNS rebinding guard: only the loopback names of this very port may address the server.
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port()}` && host !== `localhost:${port()}`) return send(res, 403, 'forbidden host');
    let path: string;
    let raw: string;
    try {
      raw = decodeURIComponent((req.url ?? '/').split('?')[0]);
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return send(res, 400, 'bad URL');
    }
    // Checked before URL normalisation removes them: a path that tries to climb is refused outright.
    if (/\.\.|\\|\0/.test(raw) || /\.\.|\\|\0/.test(path)) return send(res, 403, 'forbidden path');
    const key = path === '/index.html' ? '/' : path;
    if (!routes.has(key)) {
      // Re-encode the base name the way the route table does.
      const m = /^(\/files\/\d+\/\w+)\/(.+)$/.exec(key);
      const alt = m ? `${m[1]}/${encodeURIComponent(m[2])}` : undefined;
      if (!alt || !routes.has(alt)) return send(res, 404, 'not found: this server serves only the viewer and the files named on its command line');
      return serveFile(req, res, routes.get(alt)!);
    }
    const file = routes.get(key)!;
    if (file === null) {
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': TYPES['.json'], 'Content-Length': Buffer.byteLength(manifest) });
      res.end(req.method === 'HEAD' ? undefined : manifest);
      return;
    }
    serveFile(req, res, file);
  };
}

function serveFile(req: IncomingMessage, res: ServerResponse, file: string): void {
  stat(file).then(
    (s) => {
      res.writeHead(200, {
        'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': s.size,
        ...SECURITY_HEADERS,
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file)
        .on('error', () => res.destroy())
        .pipe(res);
    },
    () => send(res, 404, 'not found (the file went away)'),
  );
}

/**
 * Serves the viewer page and exactly the files it is given on 127.0.0.1, read-only: GET/HEAD of the
 * page's own files, the generated `manifest.json`, each case's named files and the models' files;
 * anything else is 404 (403 for `..` paths or a foreign `Host`, 405 for other methods). Every file is
 * checked before listening, so a missing one fails here with a typed error naming it. Node only.
 *
 * @throws {@link @raunet/core!FileAccessError | FileAccessError} naming a missing file; {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} for duplicate case names.
 * @example
 * ```ts
 * const server = await serveViewer({ cases: [{ name: 'case1', ct: 'ct.nii.gz', mask: 'mask.nii.gz' }] });
 * console.log(server.url); // http://127.0.0.1:PORT/
 * await server.close();
 * ```
 */
export async function serveViewer(options: ServeViewerOptions = {}): Promise<ViewerServer> {
  const { routes, manifest } = await buildRoutes(options);
  const body = JSON.stringify(manifest);
  let port = 0;
  const server = createServer(handler(routes, body, () => port));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new FileAccessError(`cannot listen on 127.0.0.1:${options.port ?? 0}: ${error.message}`, { cause: error })));
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    routes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
