import { InvalidArgumentError } from '@raunet/core';

/**
 * How case names map to the patient (group) they come from, so that no patient is split between
 * training and validation: `'auto'` recognizes LIDC-IDRI style names (`LIDC-IDRI-0003_R_2`: the
 * patient is the part before `_R_`) and otherwise treats every case as its own group; `'none'` never
 * groups; any other string is a regular expression whose first capture group (or whole match) is the
 * group key (a name it does not match is its own group).
 */
export type CaseGrouping = 'auto' | 'none' | (string & Record<never, never>);

const AUTO_PATTERNS: readonly RegExp[] = [/^(.+?)_R_\d+$/];

/**
 * The group (patient) of a case name under a {@link CaseGrouping}.
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} when `grouping` is not a valid regular expression.
 * @example
 * ```ts
 * caseGroup('LIDC-IDRI-0003_R_2'); // 'LIDC-IDRI-0003'
 * caseGroup('semiseg_012'); // 'semiseg_012'
 * caseGroup('p07_slice3', '^(p\\d+)_'); // 'p07'
 * ```
 */
export function caseGroup(name: string, grouping: CaseGrouping = 'auto'): string {
  if (grouping === 'none') return name;
  const patterns = grouping === 'auto' ? AUTO_PATTERNS : [compile(grouping)];
  for (const p of patterns) {
    const m = p.exec(name);
    if (m) return m[1] ?? m[0];
  }
  return name;
}

function compile(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (error) {
    throw new InvalidArgumentError(`caseGroup: grouping ${JSON.stringify(pattern)} is not a valid regular expression: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** FNV-1a hash of a string mixed with a seed: a stable order that does not depend on the file list. */
function stableHash(key: string, seed: number): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // final avalanche (murmur3 fmix32) so that similar names spread
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** Options of {@link assignFolds} and {@link kFoldSplit}. */
export interface FoldOptions {
  /** Number of folds, at least 2. */
  folds: number;
  /** Seed of the order of groups. @defaultValue 0 */
  seed?: number;
  /** How names map to patients. @defaultValue 'auto' */
  grouping?: CaseGrouping;
}

function checkFolds(folds: number, groups: number, where: string): void {
  if (!Number.isInteger(folds) || folds < 2) throw new InvalidArgumentError(`${where}: folds must be an integer >= 2, received ${folds}`);
  if (groups < folds) throw new InvalidArgumentError(`${where}: ${groups} patients (groups of cases) cannot fill ${folds} folds`);
}

/**
 * Assigns every case to one of `folds` folds, all cases of a patient to the same fold: groups are
 * ordered by size and a seeded hash of their key (stable across runs, machines and file-listing order),
 * then dealt to the fold with the fewest cases so far, so folds hold about equal numbers of cases.
 *
 * @returns the fold index (0-based) of each case, in input order.
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} when `folds < 2` or there are fewer patients than folds.
 * @example
 * ```ts
 * assignFolds(['LIDC-IDRI-0001_R_1', 'LIDC-IDRI-0003_R_2', 'LIDC-IDRI-0003_R_3'], { folds: 2 }); // e.g. [1, 0, 0]
 * ```
 */
export function assignFolds(names: readonly string[], options: FoldOptions): number[] {
  const seed = options.seed ?? 0;
  const byGroup = new Map<string, number[]>();
  names.forEach((n, i) => {
    const g = caseGroup(n, options.grouping ?? 'auto');
    const list = byGroup.get(g);
    if (list) list.push(i);
    else byGroup.set(g, [i]);
  });
  checkFolds(options.folds, byGroup.size, 'assignFolds');
  const groups = [...byGroup.entries()]
    .map(([key, members]) => ({ key, members, hash: stableHash(key, seed) }))
    .sort((a, b) => b.members.length - a.members.length || a.hash - b.hash || (a.key < b.key ? -1 : 1));
  const sizes = new Array<number>(options.folds).fill(0);
  const fold = new Array<number>(names.length).fill(-1);
  for (const g of groups) {
    let best = 0;
    for (let f = 1; f < options.folds; f++) if (sizes[f] < sizes[best]) best = f;
    sizes[best] += g.members.length;
    for (const i of g.members) fold[i] = best;
  }
  return fold;
}

/** Options of {@link kFoldSplit}. */
export interface KFoldSplitOptions extends FoldOptions {
  /** The fold held out for validation, 0-based. */
  fold: number;
}

/** Result of {@link kFoldSplit}. */
export interface KFoldSplit<T> {
  /** Cases of the other folds. */
  train: T[];
  /** Cases of fold `fold`. */
  validation: T[];
}

/**
 * The `fold`-th split of a K-fold cross-validation grouped by patient (the protocol of nnU-Net and of
 * the COVID-19-CT-Seg benchmark): fold `fold` validates, the others train. Same inputs, same split.
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} when `fold` is not in `[0, folds)` (and see {@link assignFolds}).
 * @example
 * ```ts
 * const { train, validation } = kFoldSplit(data.cases, { folds: 5, fold: 0 });
 * ```
 */
export function kFoldSplit<T extends { name: string }>(cases: readonly T[], options: KFoldSplitOptions): KFoldSplit<T> {
  if (!Number.isInteger(options.fold) || options.fold < 0 || options.fold >= options.folds) {
    throw new InvalidArgumentError(`kFoldSplit: fold must be an integer in [0, ${options.folds - 1}], received ${options.fold}`);
  }
  const folds = assignFolds(
    cases.map((c) => c.name),
    options,
  );
  return {
    train: cases.filter((_, i) => folds[i] !== options.fold),
    validation: cases.filter((_, i) => folds[i] === options.fold),
  };
}
