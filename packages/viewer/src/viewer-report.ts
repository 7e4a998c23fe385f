import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { FileAccessError, InvalidArgumentError } from '@raunet/core';
import { replaceDirAtomic } from '@raunet/core/node';
import { viewerAppDir } from './app-dir.js';
import { parseViewerManifest, VIEWER_CASE_FILES, type ViewerCase, type ViewerManifest } from './manifest.js';
import type { ServedCase } from './serve-viewer.js';

/** Options of {@link writeViewerReport}. */
export interface WriteViewerReportOptions {
  /** Page title. @defaultValue 'RA-Unet report' */
  title?: string;
  /** Folder of the built page. @defaultValue {@link viewerAppDir} */
  appDir?: string;
}

/** What {@link readViewerReport} finds in a report folder: the title and the cases as files on disk. */
export interface ViewerReport {
  /** Page title. */
  title: string;
  /** The cases, their files resolved inside the folder. */
  cases: ServedCase[];
}

/** `.nii.gz` stays whole; other names keep their last suffix. */
function suffixOf(path: string): string {
  const m = /(\.nii\.gz|\.hdr\.gz|\.[^./\\]+)$/i.exec(path);
  return m ? m[1].toLowerCase() : '';
}

/** A case name as a folder name: anything but letters, digits, '.', '_' and '-' becomes '_'. */
function folderName(name: string): string {
  return name.replace(/[^\w.-]/g, '_').replace(/^\.+/, '_') || '_';
}

/**
 * Writes a self-contained report folder: the viewer page, `manifest.json`, and per case a folder
 * `cases/NAME/` with copies of its CT, masks, probability map and mesh. Open it with `raunet view DIR`
 * (or any static web server; browsers block `file://` fetches). The folder is replaced atomically.
 * Node only.
 *
 * @throws {@link @raunet/core!FileAccessError | FileAccessError} naming a missing input or an unwritable `dir`;
 * {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} for duplicate case names.
 * @example
 * ```ts
 * await writeViewerReport('report', [{ name: 'case1', ct: 'ct.nii.gz', mask: 'out/case1.nii.gz' }]);
 * ```
 */
export async function writeViewerReport(dir: string, cases: ServedCase[], options: WriteViewerReportOptions = {}): Promise<ViewerManifest> {
  const appDir = options.appDir ?? viewerAppDir();
  const folders = new Set<string>();
  for (const c of cases) {
    const f = folderName(c.name);
    if (folders.has(f)) throw new InvalidArgumentError(`writeViewerReport: two cases named '${c.name}' (folder ${f})`);
    folders.add(f);
  }
  const manifest: ViewerManifest = { version: 1, title: options.title ?? 'RA-Unet report', cases: [], models: [] };
  await replaceDirAtomic(dir, async (tmp) => {
    let appFiles: string[];
    try {
      appFiles = (await readdir(appDir, { withFileTypes: true })).filter((e) => e.isFile() && !e.name.endsWith('.map')).map((e) => e.name);
    } catch (error) {
      throw new FileAccessError('the viewer page is not built (run `pnpm build` in packages/viewer)', { file: appDir, cause: error });
    }
    for (const name of appFiles) await copyFile(join(appDir, name), join(tmp, name));
    for (const c of cases) {
      const folder = `cases/${folderName(c.name)}`;
      await mkdir(join(tmp, folder), { recursive: true });
      const out: ViewerCase = { name: c.name, ct: '' };
      for (const field of VIEWER_CASE_FILES) {
        const path = c[field];
        if (path === undefined) continue;
        const target = `${folder}/${field}${suffixOf(path)}`;
        try {
          await copyFile(path, join(tmp, target));
        } catch (error) {
          throw new FileAccessError(`cannot copy the ${field} of case '${c.name}' into the report: ${(error as Error).message}`, { file: path, cause: error });
        }
        out[field] = target;
      }
      if (c.numbers) out.numbers = c.numbers;
      manifest.cases.push(out);
    }
    await writeFile(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  });
  return manifest;
}

/**
 * Reads a report folder written by {@link writeViewerReport}: its `manifest.json`, with every case
 * file resolved inside the folder (a URL that leaves it, is absolute or names another host is refused).
 * Node only.
 *
 * @throws {@link @raunet/core!FileAccessError | FileAccessError} when `manifest.json` is missing or not JSON;
 * {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} for an invalid manifest or a path outside the folder.
 * @example
 * ```ts
 * const { title, cases } = await readViewerReport('report');
 * const server = await serveViewer({ title, cases });
 * ```
 */
export async function readViewerReport(dir: string): Promise<ViewerReport> {
  const file = join(dir, 'manifest.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new FileAccessError(`not a viewer report folder (no readable manifest.json): ${(error as Error).message}`, { file, cause: error });
  }
  let manifest: ViewerManifest;
  try {
    manifest = parseViewerManifest(json);
  } catch (error) {
    throw new InvalidArgumentError(`${file}: ${(error as Error).message}`, { cause: error });
  }
  const cases = manifest.cases.map((c) => {
    const out: ServedCase = { name: c.name, ct: '' };
    for (const field of VIEWER_CASE_FILES) {
      const url = c[field];
      if (url === undefined) continue;
      const rel = normalize(decodeURIComponent(url));
      if (isAbsolute(rel) || /^[a-z][\w+.-]*:/i.test(url) || rel === '..' || rel.startsWith(`..${sep}`)) {
        throw new InvalidArgumentError(`${file}: the ${field} of case '${c.name}' (${url}) is not a path inside the report folder`);
      }
      out[field] = join(dir, rel);
    }
    if (c.numbers) out.numbers = c.numbers;
    return out;
  });
  return { title: manifest.title, cases };
}
