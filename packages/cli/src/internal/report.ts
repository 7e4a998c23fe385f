/** Inputs of {@link demoReportHtml}. */
export interface DemoReportInput {
  title: string;
  table: string;
  summary: Record<string, unknown>;
  curves: string;
  pictures: { name: string; src: string; mesh?: string }[];
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
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}pre{background:#f4f4f4;padding:1em;overflow:auto}img{max-width:100%;image-rendering:pixelated}figure{margin:1em 0}</style>
</head><body>
<h1>${escape(input.title)}</h1>
<p>Synthetic data (seeded phantoms from <code>@raunet/phantom</code>), not patients: the figures show that the pipeline learns, not clinical accuracy.</p>
<h2>Held-out test cases</h2>
<pre>${escape(input.table)}</pre>
<h2>Training</h2>
<img src="${escape(input.curves)}" alt="training loss and validation DSC per epoch">
<h2>Pictures</h2>
${pictures}
<h2>Run</h2>
<pre>${escape(JSON.stringify(input.summary, null, 2))}</pre>
</body></html>
`;
}
