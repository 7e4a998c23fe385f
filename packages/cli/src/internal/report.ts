import type { InfectionBurden } from '@raunet/lungs';

/** Inputs of {@link demoReportHtml}. */
export interface DemoReportInput {
  title: string;
  table: string;
  summary: Record<string, unknown>;
  curves: string;
  pictures: { name: string; src: string; mesh?: string }[];
  /** Infection burden per test case, predicted and true (same lung mask), when computed. */
  burden?: { name: string; predicted: InfectionBurden; truth: InfectionBurden }[];
  /** Folder of the interactive viewer (relative to the report), opened with `raunet view`. */
  viewer?: string;
}

/** An HTML table of the burden rows: infection mL and % of each lung involved, predicted vs true. */
function burdenTable(rows: NonNullable<DemoReportInput['burden']>): string {
  const cell = (p: number, t: number, digits: number) => `<td>${p.toFixed(digits)}</td><td>${t.toFixed(digits)}</td>`;
  const body = rows
    .map(
      (r) =>
        `<tr><td>${escape(r.name)}</td>${cell(r.predicted.infectionMl, r.truth.infectionMl, 1)}<td>${r.truth.left.volumeMl.toFixed(0)}</td>${cell(r.predicted.left.percentInvolved, r.truth.left.percentInvolved, 1)}<td>${r.truth.right.volumeMl.toFixed(0)}</td>${cell(r.predicted.right.percentInvolved, r.truth.right.percentInvolved, 1)}</tr>`,
    )
    .join('\n');
  return `<table><tr><th rowspan="2">case</th><th colspan="2">infection, mL</th><th rowspan="2">left lung, mL</th><th colspan="2">left lung involved, %</th><th rowspan="2">right lung, mL</th><th colspan="2">right lung involved, %</th></tr>
<tr><th>predicted</th><th>true</th><th>predicted</th><th>true</th><th>predicted</th><th>true</th></tr>
${body}</table>`;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A self-contained HTML page with the metrics table, training curves and overlay pictures. */
export function demoReportHtml(input: DemoReportInput): string {
  const pictures = input.pictures
    .map(
      (p) =>
        `<figure><img src="${escape(p.src)}" alt="overlay of ${escape(p.name)}"><figcaption>${escape(p.name)}: axial, coronal, sagittal through the lesion centroid; red = prediction, green = ground truth, yellow = both${p.mesh ? `; 3D model: <a href="${escape(p.mesh)}">${escape(p.mesh)}</a>` : ''}</figcaption></figure>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(input.title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}pre{background:#f4f4f4;padding:1em;overflow:auto}img{max-width:100%;image-rendering:pixelated}figure{margin:1em 0}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style>
</head><body>
<h1>${escape(input.title)}</h1>
<p>Synthetic data (seeded phantoms from <code>@raunet/phantom</code>), not patients: the figures show that the pipeline learns, not clinical accuracy.</p>
<h2>Held-out test cases</h2>
<pre>${escape(input.table)}</pre>
${input.burden ? `<h2>Infection burden</h2>\n<p>Volume of infection and share of each lung involved (the "percentage of opacity" of COVID-19 CT reports), predicted and true, measured with the same lung mask (1 = left, 2 = right).</p>\n${burdenTable(input.burden)}` : ''}
<h2>Training</h2>
<img src="${escape(input.curves)}" alt="training loss and validation DSC per epoch">
<h2>Pictures</h2>
${input.viewer ? `<p>Scroll through each case in 3D, with the masks, probabilities and meshes: <code>raunet view ${escape(input.viewer)}</code> (from this folder; browsers do not let a page read files next to it).</p>\n` : ''}${pictures}
<h2>Run</h2>
<pre>${escape(JSON.stringify(input.summary, null, 2))}</pre>
</body></html>
`;
}
