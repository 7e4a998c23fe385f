import { FileAccessError, InvalidArgumentError } from '@raunet/core';
import { COVID_CT_SEG_FOLDERS, writeNifti } from '@raunet/io';
import { generatePhantom } from './generate-phantom.js';
import type { GeneratePhantomOptions, LesionInfo, ResolvedPhantomOptions } from './generate-phantom.js';

/**
 * Folder names of the COVID-19-CT-Seg layout, as written by {@link writePhantomDataset}: the same object as
 * `COVID_CT_SEG_FOLDERS` of `@raunet/io` (CT images int16 HU, masks uint8; the lung mask is 1 = lung, the
 * combined labels only with `lungAndInfection: true`).
 *
 * @deprecated Use `COVID_CT_SEG_FOLDERS` from `@raunet/io`, the one home of these names.
 */
export const PHANTOM_DATASET_FOLDERS = COVID_CT_SEG_FOLDERS;

/** Arguments of {@link writePhantomDataset}: every {@link GeneratePhantomOptions} field except `seed`, plus these. */
export interface WritePhantomDatasetOptions extends Omit<GeneratePhantomOptions, 'seed'> {
  /** Number of cases. @defaultValue 4 */
  cases?: number;
  /** Seed of case 0; case `n` is `generatePhantom({ ...options, seed: seed + n })`. @defaultValue 0 */
  seed?: number;
  /** File name stem: case `n` is `<prefix>_<n, 3 digits>.nii.gz` in each folder. @defaultValue `'phantom'` */
  prefix?: string;
  /**
   * Also write `Lung_and_Infection_Mask/<name>.nii.gz` with the original dataset's labels: 1 left lung,
   * 2 right lung, 3 infection. @defaultValue false
   */
  lungAndInfection?: boolean;
  /** Called after each case is written (for progress reporting). */
  onCase?: (info: PhantomDatasetCase, index: number, total: number) => void;
}

/** One case written by {@link writePhantomDataset}. Paths are relative to the dataset folder, `/`-separated. */
export interface PhantomDatasetCase {
  /** Case name, e.g. `phantom_000` (the file stem in every folder). */
  name: string;
  /** Seed the case was generated with. */
  seed: number;
  /** CT image path, e.g. `COVID-19-CT-Seg_20cases/phantom_000.nii.gz`. */
  image: string;
  /** Infection mask path. */
  infection: string;
  /** Lung mask path. */
  lung: string;
  /** Combined label path (only when `lungAndInfection` was asked). */
  lungAndInfection?: string;
  /** The case's lesions (see {@link LesionInfo}). */
  lesions: LesionInfo[];
  /** Infected fraction of the lung volume. */
  infectionFraction: number;
  /** Lung volume, mL. */
  lungVolumeMl: number;
}

/**
 * Writes `cases` phantoms in the COVID-19-CT-Seg folder layout:
 * `dir/COVID-19-CT-Seg_20cases/<name>.nii.gz` (int16 HU), `dir/Infection_Mask/<name>.nii.gz` and
 * `dir/Lung_Mask/<name>.nii.gz` (uint8), with matching names and grids, plus `dir/dataset.json` listing
 * the cases (paths, seeds, lesions) and the generation parameters. Every file is written to a temporary
 * name in its folder and renamed, so no half-written file is ever visible; existing files of the same
 * names are replaced. Folders are created as needed. Cases are generated one at a time (memory of one case).
 *
 * @returns the cases, in order.
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} for a bad `cases`, `prefix` or generation option;
 * {@link @raunet/core!FileAccessError | FileAccessError} naming the file or folder that cannot be written.
 * @example
 * ```ts
 * const cases = await writePhantomDataset('data/phantoms', { cases: 10, seed: 1, dims: [96, 96, 48] });
 * cases[0].image; // 'COVID-19-CT-Seg_20cases/phantom_000.nii.gz'
 * ```
 */
export async function writePhantomDataset(dir: string, options: WritePhantomDatasetOptions = {}): Promise<PhantomDatasetCase[]> {
  const { cases = 4, seed = 0, prefix = 'phantom', onCase, lungAndInfection = false, ...generation } = options;
  if (typeof dir !== 'string' || dir.length === 0) throw new InvalidArgumentError(`writePhantomDataset: dir must be a non-empty path, received ${JSON.stringify(dir)}`);
  if (!Number.isInteger(cases) || cases < 1 || cases > 100000) {
    throw new InvalidArgumentError(`writePhantomDataset: cases must be an integer in [1, 100000], received ${JSON.stringify(cases)}`);
  }
  if (!Number.isFinite(seed)) throw new InvalidArgumentError(`writePhantomDataset: seed must be a finite number, received ${String(seed)}`);
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(prefix)) {
    throw new InvalidArgumentError(`writePhantomDataset: prefix must be a file-name stem of letters, digits, '.', '_' or '-', received ${JSON.stringify(prefix)}`);
  }
  const { mkdir } = await import('node:fs/promises');
  const { writeFileAtomic } = await import('@raunet/core/node');
  const path = await import('node:path');
  const join = (...parts: string[]): string => path.join(...parts);
  // Validate the generation options once, before touching the disk.
  generatePhantom({ ...generation, dims: [2, 2, 2], spacing: [1, 1, 1], seed, lesions: 0, vessels: false });
  const folders: string[] = [COVID_CT_SEG_FOLDERS.images, COVID_CT_SEG_FOLDERS.infection, COVID_CT_SEG_FOLDERS.lung];
  if (lungAndInfection) folders.push(COVID_CT_SEG_FOLDERS.lungAndInfection);
  for (const folder of [dir, ...folders.map((f) => join(dir, f))]) {
    try {
      await mkdir(folder, { recursive: true });
    } catch (e) {
      throw new FileAccessError(`writePhantomDataset: cannot create the folder: ${(e as Error).message}`, { file: folder, cause: e });
    }
  }
  const digits = Math.max(3, String(cases - 1).length);
  const out: PhantomDatasetCase[] = [];
  let parameters: Omit<ResolvedPhantomOptions, 'seed' | 'lesions'> | undefined;
  for (let n = 0; n < cases; n++) {
    const name = `${prefix}_${String(n).padStart(digits, '0')}`;
    const caseSeed = seed + n;
    const phantom = generatePhantom({ ...generation, seed: caseSeed });
    const file = `${name}.nii.gz`;
    const paths = {
      image: `${COVID_CT_SEG_FOLDERS.images}/${file}`,
      infection: `${COVID_CT_SEG_FOLDERS.infection}/${file}`,
      lung: `${COVID_CT_SEG_FOLDERS.lung}/${file}`,
    };
    await writeNifti(join(dir, paths.image), phantom.ct, { datatype: 'int16', description: `raunet phantom ${name} seed ${caseSeed}` });
    await writeNifti(join(dir, paths.infection), phantom.infection, { datatype: 'uint8', description: `infection mask ${name}` });
    await writeNifti(join(dir, paths.lung), phantom.lung, { datatype: 'uint8', description: `lung mask ${name}` });
    let combinedPath: string | undefined;
    if (lungAndInfection) {
      combinedPath = `${COVID_CT_SEG_FOLDERS.lungAndInfection}/${file}`;
      const [nx] = phantom.lung.dims;
      const labels = new Uint8Array(phantom.lung.data.length);
      const lungData = phantom.lung.data;
      const infectionData = phantom.infection.data;
      for (let p = 0; p < labels.length; p++) {
        if (infectionData[p]) labels[p] = 3;
        else if (lungData[p]) labels[p] = p % nx > phantom.midlineVoxel ? 1 : 2;
      }
      await writeNifti(join(dir, combinedPath), { ...phantom.lung, data: labels }, { datatype: 'uint8', description: `lung (1 left, 2 right) and infection (3) ${name}` });
    }
    const info: PhantomDatasetCase = {
      name,
      seed: caseSeed,
      ...paths,
      ...(combinedPath ? { lungAndInfection: combinedPath } : {}),
      lesions: phantom.lesions,
      infectionFraction: phantom.infectionFraction,
      lungVolumeMl: phantom.lungVolumeMl,
    };
    out.push(info);
    if (!parameters) {
      const { seed: _seed, lesions: _lesions, ...rest } = phantom.options;
      parameters = rest;
    }
    onCase?.(info, n, cases);
  }
  const manifest = {
    name: 'raunet-phantom',
    description: 'Synthetic chest CTs with COVID-19-like infection in the COVID-19-CT-Seg layout, generated by @raunet/phantom.',
    generator: '@raunet/phantom',
    layout: 'COVID-19-CT-Seg',
    folders: COVID_CT_SEG_FOLDERS,
    parameters: {
      cases,
      seed,
      prefix,
      lungAndInfection,
      lesions: generation.lesions ?? 'random',
      healthyProbability: generation.healthyProbability ?? 0.15,
      lesionCount: generation.lesionCount ?? [2, 8],
      ...parameters,
    },
    cases: out,
  };
  const jsonPath = join(dir, 'dataset.json');
  await writeFileAtomic(jsonPath, JSON.stringify(manifest, null, 2) + '\n');
  return out;
}
