import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { niceTicks, renderLineChart, renderTrainingCurves } from './line-chart.js';

/** Minimal XML well-formedness check: balanced tags, quoted attributes, escaped text. */
function parseXml(xml: string) {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  type Element = { name: string; attrs: Record<string, string>; text: string };
  const stack: Element[] = [];
  const elements: Element[] = [];
  const re = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(body))) {
    consumed = re.lastIndex;
    if (m[5] !== undefined) {
      expect(m[5]).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;)/);
      if (stack.length) stack[stack.length - 1].text += m[5].trim();
      continue;
    }
    const [, close, name, attrText, selfClose] = m;
    if (close) {
      expect(stack.pop()?.name).toBe(name);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    const element = { name, attrs, text: '' };
    elements.push(element);
    if (!selfClose) stack.push(element);
  }
  expect(consumed).toBe(body.length);
  expect(stack).toEqual([]);
  return elements;
}

describe('renderLineChart', () => {
  const series = [
    { name: 'loss <train>', points: [[1, 0.9], [2, 0.5], [3, 0.4], [4, 0.2]] as [number, number][] },
    { name: 'val & co', points: [[1, 0.1], [2, NaN], [3, 0.6], [4, 0.7]] as [number, number][] },
  ];
  const { svg, image } = renderLineChart({ series, title: 'Curves', xLabel: 'epoch', yLabel: 'value', width: 400, height: 300 });

  it('is a well-formed SVG with the title, labels and one polyline per series holding its points', () => {
    const els = parseXml(svg);
    expect(els[0].name).toBe('svg');
    expect(els[0].attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    const texts = els.filter((e) => e.name === 'text').map((e) => e.text);
    expect(texts).toEqual(expect.arrayContaining(['Curves', 'epoch', 'value', 'loss &lt;train&gt;', 'val &amp; co']));
    const lines = els.filter((e) => e.name === 'polyline');
    expect(lines.map((l) => l.attrs['data-series'])).toEqual(['loss &lt;train&gt;', 'val &amp; co']);
    const pts = lines.map((l) => l.attrs.points.split(' ').map((p) => p.split(',').map(Number)));
    expect(pts[0]).toHaveLength(4);
    expect(pts[1]).toHaveLength(3); // the NaN point is skipped
    // Same x maps to the same pixel column; larger y is higher up (smaller pixel y); linear mapping.
    expect(pts[0][0][0]).toBeCloseTo(pts[1][0][0], 6);
    expect(pts[0][0][1]).toBeLessThan(pts[0][1][1]);
    const slope = (pts[0][1][1] - pts[0][0][1]) / (0.5 - 0.9);
    expect((pts[0][3][1] - pts[0][2][1]) / (0.2 - 0.4)).toBeCloseTo(slope, 1);
    expect(pts[0][1][0] - pts[0][0][0]).toBeCloseTo(pts[0][3][0] - pts[0][2][0], 6);
  });

  it('rasterizes the same chart: series colours along the lines, white background', () => {
    expect([image.width, image.height]).toEqual([400, 300]);
    expect(Array.from(image.rgba.subarray(0, 4))).toEqual([255, 255, 255, 255]);
    const count = (r: number, g: number, b: number) => {
      let n = 0;
      for (let o = 0; o < image.rgba.length; o += 4) if (image.rgba[o] === r && image.rgba[o + 1] === g && image.rgba[o + 2] === b) n++;
      return n;
    };
    expect(count(0x1f, 0x77, 0xb4)).toBeGreaterThan(200); // first series blue
    expect(count(0xd6, 0x27, 0x28)).toBeGreaterThan(100); // second series red
    // The line passes through its data points: the pixel at the first point is blue.
    const line = parseXml(svg).find((e) => e.name === 'polyline')!;
    const [x, y] = line.attrs.points.split(' ')[0].split(',').map(Number);
    const o = (Math.round(y) * image.width + Math.round(x)) * 4;
    expect(Array.from(image.rgba.subarray(o, o + 3))).toEqual([0x1f, 0x77, 0xb4]);
  });

  it('niceTicks covers the range with round steps (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 1e-6, max: 1e6, noNaN: true }), (lo, span) => {
        const t = niceTicks(lo, lo + span);
        const eps = 1e-9 * (Math.abs(lo) + span);
        expect(t[0]).toBeLessThanOrEqual(lo + eps);
        expect(t[t.length - 1]).toBeGreaterThanOrEqual(lo + span - eps);
        expect(t.length).toBeLessThanOrEqual(13);
        const step = t[1] - t[0];
        const mant = step / 10 ** Math.floor(Math.log10(step) + 1e-12);
        // the step read back from two ticks near |lo| carries their rounding, a few ulps of |lo| + span (e.g.
        // lo = 699477.52717, span 5e-6: step 2e-6 read as 1.9999e-6): the tolerance scales with it
        const rounding = (8 * Number.EPSILON * (Math.abs(lo) + span)) / step;
        expect([1, 2, 5, 10].some((m) => Math.abs(mant - m) < Math.max(1e-4, m * rounding))).toBe(true);
      }),
    );
  });
});

describe('renderTrainingCurves', () => {
  it('draws loss and validation DSC panels with every epoch', () => {
    const history = Array.from({ length: 12 }, (_, i) => ({ epoch: i + 1, loss: 1 / (i + 1), valLoss: 1.2 / (i + 1), valDice: i / 12 }));
    const { svg, image } = renderTrainingCurves({ history, panelSize: [300, 200] });
    const els = parseXml(svg);
    expect(els[0].attrs.width).toBe('600');
    const lines = els.filter((e) => e.name === 'polyline');
    expect(lines.map((l) => l.attrs['data-series'])).toEqual(['training loss', 'validation loss', 'validation DSC']);
    for (const l of lines) expect(l.attrs.points.split(' ')).toHaveLength(12);
    // DSC panel has y fixed to [0, 1]: ticks 0 .. 1.
    const texts = els.filter((e) => e.name === 'text').map((e) => e.text);
    expect(texts).toEqual(expect.arrayContaining(['RA-Unet: loss', 'RA-Unet: validation DSC', 'DSC']));
    expect([image.width, image.height]).toEqual([600, 200]);
  });

  it('writes the title, axis labels and legend names into the raster (curves.png), not only into the SVG', () => {
    const series = [{ name: 'training loss', points: [[1, 0.9], [2, 0.5], [3, 0.3]] as [number, number][] }];
    const bare = renderLineChart({ series: [{ ...series[0], name: '' }], width: 400, height: 300 }).image;
    const full = renderLineChart({ series, title: 'RA-Unet: loss', xLabel: 'epoch', yLabel: 'loss', width: 400, height: 300 }).image;
    /** Dark pixels in rows [y0, y1) and columns [x0, x1). */
    const ink = (img: { rgba: Uint8Array; width: number }, x0: number, x1: number, y0: number, y1: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (img.rgba[(y * img.width + x) * 4] < 100) n++;
      return n;
    };
    // title band (top), x label band (bottom), y label (top left), legend text (top right, right of the swatch)
    for (const [x0, x1, y0, y1] of [[100, 300, 6, 20], [150, 300, 280, 294], [0, 40, 22, 34], [280, 390, 40, 52]]) {
      expect(ink(bare, x0, x1, y0, y1), `${x0},${y0}`).toBe(0);
      expect(ink(full, x0, x1, y0, y1), `${x0},${y0}`).toBeGreaterThan(20);
    }
  });
});
