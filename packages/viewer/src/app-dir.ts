import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Folder of the built viewer page (`index.html`, `viewer.js`, `viewer.css`, the tfjs wasm binaries):
 * `dist/app` of this package, made by its build. Node only.
 *
 * @example
 * ```ts
 * const index = join(viewerAppDir(), 'index.html');
 * ```
 */
export function viewerAppDir(): string {
  // src/app-dir.ts and dist/node.js both sit one level below the package root.
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'app');
}
