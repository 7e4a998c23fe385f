import { InvalidArgumentError } from '@raunet/core';

/** One case the viewer shows: URLs (relative to the page) of its files, and figures to print beside it. */
export interface ViewerCase {
  /** Case name (shown in the case list and used for downloads). */
  name: string;
  /** URL of the CT (NIfTI `.nii` or `.nii.gz`). */
  ct: string;
  /** URL of the predicted mask (NIfTI, nonzero = lesion), on the CT's grid. */
  mask?: string;
  /** URL of the ground-truth mask (NIfTI), on the CT's grid. */
  truth?: string;
  /** URL of the probability map (NIfTI float, values in [0, 1]). */
  prob?: string;
  /** URL of a lesion surface mesh (`.stl`, `.ply` or `.obj`, world coordinates in mm). */
  mesh?: string;
  /** Further figures shown as given (e.g. `{ 'time (s)': 3.2 }`). */
  numbers?: Record<string, number | string>;
}

/** A shipped model the page can run in the browser. */
export interface ViewerModel {
  /** Model name, e.g. `lidc-nodules`. */
  name: string;
  /** URL of its `model.json` (weights beside it), or of an ensemble's `ensemble.json` (member folders beside it). */
  url: string;
  /** One line about what it segments. */
  description: string;
}

/** What the viewer page loads first (`manifest.json` beside `index.html`). */
export interface ViewerManifest {
  /** Format version. */
  version: 1;
  /** Page title. */
  title: string;
  /** The cases, in display order (may be empty: the page then offers in-browser segmentation only). */
  cases: ViewerCase[];
  /** Models available for in-browser segmentation (empty when none is served). */
  models: ViewerModel[];
}

/** The URL fields of a {@link ViewerCase} (the files a case names), in drawing order. */
export const VIEWER_CASE_FILES = ['ct', 'mask', 'truth', 'prob', 'mesh'] as const;

function fail(where: string, what: string): never {
  throw new InvalidArgumentError(`viewer manifest${where}: ${what}`);
}

/**
 * Checks that a parsed `manifest.json` is a {@link ViewerManifest} and returns it typed.
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} naming the first wrong field.
 * @example
 * ```ts
 * const manifest = parseViewerManifest(await (await fetch('manifest.json')).json());
 * ```
 */
export function parseViewerManifest(json: unknown): ViewerManifest {
  if (typeof json !== 'object' || json === null) fail('', 'not a JSON object');
  const m = json as Record<string, unknown>;
  if (m.version !== 1) fail('', `unsupported version ${JSON.stringify(m.version)} (expected 1)`);
  if (typeof m.title !== 'string') fail('', 'title must be a string');
  if (!Array.isArray(m.cases)) fail('', 'cases must be an array');
  const models = m.models ?? [];
  if (!Array.isArray(models)) fail('', 'models must be an array');
  const names = new Set<string>();
  m.cases.forEach((c: unknown, i) => {
    const where = ` case ${i}`;
    if (typeof c !== 'object' || c === null) fail(where, 'not an object');
    const k = c as Record<string, unknown>;
    if (typeof k.name !== 'string' || k.name.length === 0) fail(where, 'name must be a non-empty string');
    if (names.has(k.name)) fail(where, `duplicate case name '${k.name}'`);
    names.add(k.name);
    if (typeof k.ct !== 'string' || k.ct.length === 0) fail(where, 'ct must be a URL string');
    for (const f of VIEWER_CASE_FILES) if (k[f] !== undefined && typeof k[f] !== 'string') fail(where, `${f} must be a URL string`);
    if (k.numbers !== undefined && (typeof k.numbers !== 'object' || k.numbers === null)) fail(where, 'numbers must be an object');
  });
  models.forEach((x: unknown, i) => {
    const k = x as Record<string, unknown> | null;
    if (!k || typeof k.name !== 'string' || typeof k.url !== 'string') fail(` model ${i}`, 'needs a name and a url');
  });
  return { version: 1, title: m.title, cases: m.cases as ViewerCase[], models: models as ViewerModel[] };
}
