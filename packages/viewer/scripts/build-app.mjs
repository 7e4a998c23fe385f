// Bundles the viewer page (src/app) for browsers into dist/app: index.html, viewer.css, viewer.js,
// segment-worker.js and the tfjs wasm binaries. `buildApp` is also used by the tests and the benchmark.
import { build } from 'esbuild';
import { copyFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * @param {{ outdir?: string, source?: boolean, minify?: boolean }} [options] source: read sibling packages
 *   from src (the `@raunet/source` condition) instead of their dist.
 * @returns {Promise<{ outdir: string, files: Record<string, number>, totalBytes: number }>}
 */
export async function buildApp(options = {}) {
  const outdir = options.outdir ?? join(root, 'dist', 'app');
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: { viewer: join(root, 'src/app/main.ts'), 'segment-worker': join(root, 'src/app/segment-worker.ts') },
    outdir,
    bundle: true,
    // Code NiiVue loads only on demand (zarr codecs, 1.3 MB) stays in chunks the page never fetches.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    format: 'esm',
    platform: 'browser',
    target: ['chrome111', 'firefox115', 'safari16.4'],
    conditions: options.source ? ['@raunet/source', 'browser'] : ['browser'],
    minify: options.minify ?? true,
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
    logOverride: { 'ignored-bare-import': 'silent' },
    // tfjs-backend-wasm's Emscripten glue names Node modules behind runtime checks it never takes in a browser.
    external: ['fs', 'path', 'worker_threads', 'perf_hooks', 'os', 'crypto'],
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  await copyFile(join(root, 'src/app/index.html'), join(outdir, 'index.html'));
  await copyFile(join(root, 'src/app/viewer.css'), join(outdir, 'viewer.css'));
  const require = createRequire(join(root, 'package.json'));
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  for (const name of await readdir(wasmDir)) if (name.endsWith('.wasm')) await copyFile(join(wasmDir, name), join(outdir, name));
  const files = {};
  let totalBytes = 0;
  for (const name of (await readdir(outdir)).sort()) {
    if (name.endsWith('.map')) continue;
    const size = (await stat(join(outdir, name))).size;
    files[name] = size;
    totalBytes += size;
  }
  return { outdir, files, totalBytes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { outdir, files, totalBytes } = await buildApp({ source: process.argv.includes('--source') });
  const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
  console.log(`viewer page -> ${outdir}: ${Object.entries(files).map(([n, s]) => `${n} ${kib(s)}`).join(', ')}; total ${kib(totalBytes)}`);
}
