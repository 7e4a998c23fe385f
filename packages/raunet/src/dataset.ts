import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DatasetError, InvalidArgumentError, Rng } from '@raunet/core';
import { COVID_CT_SEG_FOLDERS, caseName, listNiftiFiles, readNiftiHeader } from '@raunet/io';
import { caseGroup, type CaseGrouping } from './folds.js';

/** One training case: a CT and its infection mask (and optionally a lung mask), as NIfTI paths. */
export interface DatasetCase {
  /** Case name (the file name without its NIfTI suffix, see `caseName` of `@raunet/io`). */
  name: string;
  /** Path of the CT. */
  image: string;
  /** Path of the infection mask (nonzero = infection). */
  label: string;
  /** Path of the lung mask, when available. */
  lung?: string;
}

/** A validated dataset: every case's image, label (and lung) share dims and affine. */
export interface Dataset {
  /** Cases sorted by name. */
  cases: DatasetCase[];
}

/** Options of {@link loadDataset}: folders matched by name, a dataset root in the COVID-19-CT-Seg layout, or a JSON list. */
export interface LoadDatasetOptions {
  /** Folder of CT NIfTI files (e.g. `COVID-19-CT-Seg_20cases`). */
  imagesDir?: string;
  /** Folder of infection masks with the same file names (e.g. `Infection_Mask`). */
  labelsDir?: string;
  /** Optional folder of lung masks with the same file names (e.g. `Lung_Mask`). */
  lungDir?: string;
  /**
   * A folder in the COVID-19-CT-Seg layout: `COVID-19-CT-Seg_20cases/`, `Infection_Mask/` and
   * optionally `Lung_Mask/` (used when `imagesDir`/`labelsDir` are not given).
   */
  root?: string;
  /**
   * A JSON file: `[{ "image": "...", "label": "...", "lung"?: "...", "name"?: "..." }]` or
   * `{ "cases": [...] }`; relative paths are relative to the JSON file.
   */
  list?: string;
  /** Check dims and affines of every pair from the NIfTI headers. @defaultValue true */
  checkGeometry?: boolean;
  /** Largest difference between affine entries treated as equal, in mm. @defaultValue 1e-3 */
  affineTolerance?: number;
}

async function listNifti(dir: string, what: string): Promise<Map<string, string>> {
  let files: string[];
  try {
    files = await listNiftiFiles(dir);
  } catch (error) {
    throw new DatasetError(`${what} folder cannot be read: ${(error as Error).message}`, { file: dir, cause: error });
  }
  const out = new Map<string, string>();
  for (const file of files) {
    const name = caseName(file);
    if (out.has(name)) throw new DatasetError(`${what} folder holds two files for case '${name}': ${out.get(name)} and ${file}`, { file: dir });
    out.set(name, file);
  }
  if (out.size === 0) throw new DatasetError(`${what} folder holds no NIfTI file (.nii, .nii.gz, .hdr, .hdr.gz)`, { file: dir });
  return out;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function fromFolders(imagesDir: string, labelsDir: string, lungDir?: string): Promise<DatasetCase[]> {
  const images = await listNifti(imagesDir, 'images');
  const labels = await listNifti(labelsDir, 'labels');
  const lungs = lungDir ? await listNifti(lungDir, 'lung masks') : undefined;
  const noLabel = [...images.keys()].filter((n) => !labels.has(n));
  const noImage = [...labels.keys()].filter((n) => !images.has(n));
  const noLung = lungs ? [...images.keys()].filter((n) => !lungs.has(n)) : [];
  if (noLabel.length || noImage.length || noLung.length) {
    const parts = [
      noLabel.length ? `images without a label in ${labelsDir}: ${noLabel.map((n) => images.get(n)).join(', ')}` : '',
      noImage.length ? `labels without an image in ${imagesDir}: ${noImage.map((n) => labels.get(n)).join(', ')}` : '',
      noLung.length ? `images without a lung mask in ${lungDir}: ${noLung.map((n) => images.get(n)).join(', ')}` : '',
    ].filter(Boolean);
    throw new DatasetError(`image and mask file names do not match (matched by name without the NIfTI suffix): ${parts.join('; ')}`);
  }
  return [...images.keys()].map((name) => ({
    name,
    image: images.get(name)!,
    label: labels.get(name)!,
    ...(lungs ? { lung: lungs.get(name)! } : {}),
  }));
}

async function fromList(list: string): Promise<DatasetCase[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(list, 'utf8'));
  } catch (error) {
    throw new DatasetError(`cannot read the dataset list as JSON: ${(error as Error).message}`, { file: list, cause: error });
  }
  const items = Array.isArray(json) ? json : (json as { cases?: unknown }).cases;
  if (!Array.isArray(items) || items.length === 0) {
    throw new DatasetError('dataset list must be a non-empty array of { image, label } or { cases: [...] }', { file: list });
  }
  const base = dirname(list);
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  const seen = new Set<string>();
  return items.map((item: unknown, i) => {
    const o = item as Partial<DatasetCase>;
    if (typeof o?.image !== 'string' || typeof o?.label !== 'string') {
      throw new DatasetError(`entry ${i} must have string fields "image" and "label", received ${JSON.stringify(item)}`, { file: list });
    }
    const name = typeof o.name === 'string' ? o.name : caseName(o.image);
    if (seen.has(name)) throw new DatasetError(`entry ${i}: duplicate case name '${name}'`, { file: list });
    seen.add(name);
    return { name, image: abs(o.image), label: abs(o.label), ...(typeof o.lung === 'string' ? { lung: abs(o.lung) } : {}) };
  });
}

async function checkCase(c: DatasetCase, tolerance: number): Promise<void> {
  const header = async (file: string): Promise<{ dims: readonly number[]; affine: number[][] }> => {
    try {
      return await readNiftiHeader(file);
    } catch (error) {
      throw new DatasetError(`case '${c.name}': cannot read the NIfTI header: ${(error as Error).message}`, { file, cause: error });
    }
  };
  const img = await header(c.image);
  for (const [what, file] of [['label', c.label], ['lung mask', c.lung]] as const) {
    if (!file) continue;
    const h = await header(file);
    const d1 = img.dims.slice(0, 3).join('x');
    const d2 = h.dims.slice(0, 3).join('x');
    if (d1 !== d2) {
      throw new DatasetError(`case '${c.name}': ${what} ${file} has dims ${d2} voxels but image ${c.image} has ${d1}`);
    }
    let worst = 0;
    for (let r = 0; r < 4; r++) for (let k = 0; k < 4; k++) worst = Math.max(worst, Math.abs(img.affine[r][k] - h.affine[r][k]));
    if (worst > tolerance) {
      throw new DatasetError(
        `case '${c.name}': ${what} ${file} and image ${c.image} have different affines (largest difference ${worst.toFixed(4)} mm > ${tolerance} mm): ${JSON.stringify(h.affine)} vs ${JSON.stringify(img.affine)}`,
      );
    }
  }
}

/**
 * Finds and validates a dataset before any training: CT and mask files matched by name in two
 * folders (or a COVID-19-CT-Seg root, or a JSON list), every pair checked from its NIfTI header for
 * equal dims and affines.
 *
 * @throws {@link @raunet/core!DatasetError | DatasetError} naming the files: unmatched names, unreadable headers, differing dims or affines.
 * @example
 * ```ts
 * const data = await loadDataset({ root: 'data/COVID-19-CT-Seg' });
 * const data2 = await loadDataset({ imagesDir: 'ct', labelsDir: 'masks' });
 * ```
 */
export async function loadDataset(options: LoadDatasetOptions): Promise<Dataset> {
  let cases: DatasetCase[];
  if (options.list) {
    cases = await fromList(options.list);
  } else if (options.imagesDir && options.labelsDir) {
    cases = await fromFolders(options.imagesDir, options.labelsDir, options.lungDir);
  } else if (options.root) {
    const images = join(options.root, COVID_CT_SEG_FOLDERS.images);
    const labels = join(options.root, COVID_CT_SEG_FOLDERS.infection);
    const lung = join(options.root, COVID_CT_SEG_FOLDERS.lung);
    if (!(await exists(images)) || !(await exists(labels))) {
      const expected = `${COVID_CT_SEG_FOLDERS.images}/ and ${COVID_CT_SEG_FOLDERS.infection}/`;
      throw new DatasetError(`expected the COVID-19-CT-Seg layout: folders ${expected} inside the root`, { file: options.root });
    }
    cases = await fromFolders(images, labels, options.lungDir ?? ((await exists(lung)) ? lung : undefined));
  } else {
    throw new InvalidArgumentError('loadDataset: give { imagesDir, labelsDir }, { root } or { list }');
  }
  cases.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (options.checkGeometry ?? true) for (const c of cases) await checkCase(c, options.affineTolerance ?? 1e-3);
  return { cases };
}

/** Options of {@link splitDataset}. Counts win over fractions. */
export interface SplitDatasetOptions {
  /** Seed of the shuffle. @defaultValue 0 */
  seed?: number;
  /** Number of test cases. @defaultValue round(testFraction * n) */
  testCount?: number;
  /** Fraction of cases held out for testing. @defaultValue 0.15 (3 of 20, the paper's split) */
  testFraction?: number;
  /** Number of validation cases. @defaultValue round(validationFraction * n), at least 1 when n ≥ 3 */
  validationCount?: number;
  /** Fraction of cases used for validation during training. @defaultValue 0.05 (1 of 20: 16 train / 1 validation / 3 test) */
  validationFraction?: number;
  /**
   * Keep all cases of one patient in the same part (cases with a string `name`, see {@link caseGroup});
   * test and validation then take whole patients until they hold at least their counts. @defaultValue 'auto'
   */
  grouping?: CaseGrouping;
}

/** Result of {@link splitDataset}. */
export interface DatasetSplit<T> {
  /** Training cases. */
  train: T[];
  /** Validation cases (model selection, early stopping). */
  validation: T[];
  /** Held-out test cases. */
  test: T[];
}

/**
 * Splits cases into train / validation / test by a seeded shuffle (same seed, same split), keeping the
 * cases of one patient together (see {@link SplitDatasetOptions.grouping}). The defaults give the
 * paper's 16 training and 3 test cases of 20, plus 1 validation case.
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} when the counts exceed the cases or leave no training case.
 * @example
 * ```ts
 * const { train, validation, test } = splitDataset(data.cases, { seed: 42 });
 * ```
 */
export function splitDataset<T>(cases: readonly T[], options: SplitDatasetOptions = {}): DatasetSplit<T> {
  const n = cases.length;
  const testCount = options.testCount ?? Math.round((options.testFraction ?? 0.15) * n);
  const validationCount = options.validationCount ?? (n >= 3 ? Math.max(1, Math.round((options.validationFraction ?? 0.05) * n)) : 0);
  for (const [name, v] of [['testCount', testCount], ['validationCount', validationCount]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new InvalidArgumentError(`splitDataset: ${name} must be a non-negative integer, received ${v}`);
  }
  if (testCount + validationCount >= n) {
    throw new InvalidArgumentError(`splitDataset: ${testCount} test + ${validationCount} validation cases leave no training case out of ${n}`);
  }
  const grouping = options.grouping ?? 'auto';
  const nameOf = (c: T): string | undefined => {
    const name = (c as { name?: unknown } | null)?.name;
    return typeof name === 'string' ? name : undefined;
  };
  const grouped = grouping !== 'none' && cases.every((c) => nameOf(c) !== undefined);
  if (!grouped) {
    const order = new Rng(options.seed ?? 0).shuffle(cases);
    return {
      test: order.slice(0, testCount),
      validation: order.slice(testCount, testCount + validationCount),
      train: order.slice(testCount + validationCount),
    };
  }
  const groups = new Map<string, T[]>();
  for (const c of cases) {
    const key = caseGroup(nameOf(c)!, grouping);
    const list = groups.get(key);
    if (list) list.push(c);
    else groups.set(key, [c]);
  }
  const keys = [...groups.keys()].sort();
  // one case per group and cases sorted by name (as loadDataset returns them): the same split as ungrouped
  const order = new Rng(options.seed ?? 0).shuffle(keys);
  const split: DatasetSplit<T> = { test: [], validation: [], train: [] };
  for (const key of order) {
    const members = groups.get(key)!;
    const part = split.test.length < testCount ? split.test : split.validation.length < validationCount ? split.validation : split.train;
    part.push(...members);
  }
  if (split.train.length === 0) {
    throw new InvalidArgumentError(`splitDataset: ${testCount} test + ${validationCount} validation cases, taken as whole patients, leave no training case out of ${n}`);
  }
  return split;
}
