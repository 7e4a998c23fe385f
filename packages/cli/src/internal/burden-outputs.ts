import { withData, type Volume } from '@raunet/core';
import { writeFileAtomic } from '@raunet/core/node';
import { infectionBurden, toLeftRightLungs, type InfectionBurden } from '@raunet/lungs';
import { renderOverlays, type RgbaImage } from '@raunet/viz';
import { CliUsageError } from './context.js';
import { overlayPixelSize } from './pictures.js';

/** One case's burden as predict and evaluate report it. */
export interface CaseBurden {
  /** Case name. */
  name: string;
  /** The burden, or only the infection volume when no lung mask was available. */
  burden: InfectionBurden | { infectionMl: number };
}

/** The burden of an infection mask, with the lungs as 1 = left / 2 = right (other lung masks are split first). */
export function burdenOf(infection: Volume, lungs: Volume | undefined): CaseBurden['burden'] {
  if (lungs) return infectionBurden(infection, toLeftRightLungs(lungs));
  const s = infection.spacing;
  let n = 0;
  const d = infection.data as ArrayLike<number>;
  for (let p = 0; p < d.length; p++) if (d[p] !== 0) n++;
  return { infectionMl: (n * (s[0] * s[1] * s[2])) / 1000 };
}

/** A one-line text summary of a burden. */
export function burdenText(b: CaseBurden['burden']): string {
  if (!('left' in b)) return `infection ${b.infectionMl.toFixed(2)} mL`;
  return (
    `infection ${b.infectionMl.toFixed(2)} mL; left lung ${b.left.volumeMl.toFixed(0)} mL, ${b.left.percentInvolved.toFixed(1)} % involved; ` +
    `right lung ${b.right.volumeMl.toFixed(0)} mL, ${b.right.percentInvolved.toFixed(1)} % involved`
  );
}

const COLUMNS = [
  'case',
  'infection_ml',
  'outside_lungs_ml',
  'left_lung_ml',
  'left_infection_ml',
  'left_percent',
  'right_lung_ml',
  'right_infection_ml',
  'right_percent',
  'total_lung_ml',
  'total_percent',
] as const;

/** The burden table as CSV (one row per case; lung columns empty without a lung mask). */
export function burdenCsv(rows: readonly CaseBurden[]): string {
  const lines = [COLUMNS.join(',')];
  for (const { name, burden: b } of rows) {
    const lung = 'left' in b;
    const cells = [
      JSON.stringify(name),
      b.infectionMl,
      lung ? b.outsideLungsMl : '',
      lung ? b.left.volumeMl : '',
      lung ? b.left.infectionMl : '',
      lung ? b.left.percentInvolved : '',
      lung ? b.right.volumeMl : '',
      lung ? b.right.infectionMl : '',
      lung ? b.right.percentInvolved : '',
      lung ? b.total.volumeMl : '',
      lung ? b.total.percentInvolved : '',
    ];
    lines.push(cells.map((c) => (typeof c === 'number' ? String(Number(c.toFixed(4))) : c)).join(','));
  }
  return lines.join('\n') + '\n';
}

/** Checks a `--burden` path: .json or .csv. */
export function checkBurdenPath(command: string, path: string | undefined): void {
  if (path && !/\.(json|csv)$/i.test(path))
    throw new CliUsageError(`${command}: --burden must end in .json or .csv, received '${path}'`);
}

/** Writes the burden rows (or any JSON-able value for .json) atomically: CSV for .csv, JSON otherwise. */
export async function writeBurdenFile(
  path: string,
  rows: readonly CaseBurden[],
  json: unknown = rows,
): Promise<void> {
  await writeFileAtomic(path, /\.csv$/i.test(path) ? burdenCsv(rows) : JSON.stringify(json, null, 2) + '\n');
}

/** Axial, coronal and sagittal overlay of a lung mask: left lung red, right lung green. */
export function lungsPicture(ct: Volume, lungs: Volume): RgbaImage {
  const d = lungs.data as ArrayLike<number>;
  const left = withData(
    lungs,
    Uint8Array.from(d, (v) => (v === 1 ? 1 : 0)),
  );
  const right = withData(
    lungs,
    Uint8Array.from(d, (v) => (v === 2 ? 1 : 0)),
  );
  return renderOverlays({ ct, prediction: left, truth: right, pixelSize: overlayPixelSize(ct) }).montage;
}
