import { InvalidArgumentError } from '@raunet/core';
import type { Rgba, RgbaImage } from './image.js';
import { montage } from './image.js';
import { Canvas } from './internal/raster.js';

/** One line of a chart. */
export interface ChartSeries {
  /** Name shown in the legend. */
  name: string;
  /** `[x, y]` points in data units, drawn in the given order; points with a non-finite value are skipped. */
  points: readonly (readonly [number, number])[];
  /** Line colour as `#rrggbb`. @defaultValue from a fixed palette (blue, red, green, orange, purple, …) */
  color?: string;
}

/** Options of {@link renderLineChart}. */
export interface RenderLineChartOptions {
  /** The lines. */
  series: readonly ChartSeries[];
  /** Title above the plot (SVG only). @defaultValue '' */
  title?: string;
  /** X axis label (SVG only). @defaultValue '' */
  xLabel?: string;
  /** Y axis label (SVG only). @defaultValue '' */
  yLabel?: string;
  /** Width in pixels. @defaultValue 640 */
  width?: number;
  /** Height in pixels. @defaultValue 400 */
  height?: number;
  /** Fixed y range `[min, max]`. @defaultValue the data range, rounded out to nice ticks */
  yRange?: readonly [number, number];
}

/** Result of {@link renderLineChart}. */
export interface LineChartResult {
  /** A standalone SVG 1.1 document with title, axis labels, tick labels and a legend. */
  readonly svg: string;
  /** The same chart rasterized (axes, grid, tick numbers, lines and legend swatches; no words). */
  readonly image: RgbaImage;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

function hexToRgba(hex: string): Rgba {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new InvalidArgumentError(`renderLineChart: colour must be #rrggbb, received ${hex}`);
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, 255];
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** About `count` round tick values (1, 2 or 5 times a power of ten apart) covering [min, max]. @internal */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) {
    const d = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= d;
    max += d;
  }
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const start = Math.floor(min / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let t = start; t <= max + step * 1e-9 || ticks.length < 2; t += step) {
    ticks.push(Math.round(t / step) * step);
    if (t >= max - step * 1e-9 && ticks.length >= 2) break;
  }
  if (ticks[ticks.length - 1] < max - step * 1e-9) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

function label(v: number): string {
  const s = Math.abs(v) < 1e-12 ? '0' : Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3 ? v.toExponential(1) : String(Number(v.toPrecision(6)));
  return s;
}

interface Panel {
  svg: string[];
  canvas: Canvas;
}

function drawChart(options: RenderLineChartOptions): Panel {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 120 || height < 100) {
    throw new InvalidArgumentError(`renderLineChart: width and height must be integers of at least 120 x 100 pixels, received ${width} x ${height}`);
  }
  if (!options.series || typeof options.series.length !== 'number') throw new InvalidArgumentError('renderLineChart: series must be an array');
  const series = options.series.map((s, i) => ({
    name: s.name,
    color: s.color ?? PALETTE[i % PALETTE.length],
    points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
  }));
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const xTicks = niceTicks(xs.length ? Math.min(...xs) : 0, xs.length ? Math.max(...xs) : 1);
  const yTicks = options.yRange
    ? niceTicks(options.yRange[0], options.yRange[1])
    : niceTicks(ys.length ? Math.min(...ys) : 0, ys.length ? Math.max(...ys) : 1);
  const x0 = xTicks[0], x1 = xTicks[xTicks.length - 1];
  const y0 = options.yRange ? options.yRange[0] : yTicks[0];
  const y1 = options.yRange ? options.yRange[1] : yTicks[yTicks.length - 1];
  const left = 64, right = width - 16, top = 36, bottom = height - 48;
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * (right - left);
  const py = (y: number) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top);
  const r2 = (v: number) => Math.round(v * 100) / 100;

  const svg: string[] = [];
  const canvas = new Canvas(width, height, [255, 255, 255, 255]);
  const black: Rgba = [0, 0, 0, 255];
  const grid: Rgba = [225, 225, 225, 255];
  svg.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  for (const t of xTicks) {
    const x = r2(px(t));
    svg.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="#e1e1e1"/>`);
    svg.push(`<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 5}" stroke="#000000"/>`);
    svg.push(`<text x="${x}" y="${bottom + 18}" font-size="11" text-anchor="middle" font-family="sans-serif">${label(t)}</text>`);
    canvas.line(px(t), top, px(t), bottom, grid);
    canvas.line(px(t), bottom, px(t), bottom + 5, black);
    canvas.text(label(t), px(t), bottom + 9, black, 2, 'center');
  }
  for (const t of yTicks) {
    if (t < y0 - 1e-12 || t > y1 + 1e-12) continue;
    const y = r2(py(t));
    svg.push(`<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="#e1e1e1"/>`);
    svg.push(`<line x1="${left - 5}" y1="${y}" x2="${left}" y2="${y}" stroke="#000000"/>`);
    svg.push(`<text x="${left - 8}" y="${r2(y + 4)}" font-size="11" text-anchor="end" font-family="sans-serif">${label(t)}</text>`);
    canvas.line(left, py(t), right, py(t), grid);
    canvas.line(left - 5, py(t), left, py(t), black);
    canvas.text(label(t), left - 8, Math.round(py(t)) - 5, black, 2, 'right');
  }
  svg.push(`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#000000"/>`);
  svg.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#000000"/>`);
  canvas.line(left, bottom, right, bottom, black);
  canvas.line(left, top, left, bottom, black);
  // The raster gets the same words in the 3x5 font (upper case): title on top, x label under the axis,
  // y label above the y axis (the font is not drawn rotated).
  if (options.title) {
    svg.push(`<text x="${width / 2}" y="22" font-size="15" text-anchor="middle" font-family="sans-serif" font-weight="bold">${escapeXml(options.title)}</text>`);
    canvas.text(options.title.toUpperCase(), width / 2, 8, black, 2, 'center');
  }
  if (options.xLabel) {
    svg.push(`<text x="${(left + right) / 2}" y="${height - 10}" font-size="12" text-anchor="middle" font-family="sans-serif">${escapeXml(options.xLabel)}</text>`);
    canvas.text(options.xLabel.toUpperCase(), (left + right) / 2, height - 18, black, 2, 'center');
  }
  if (options.yLabel) {
    svg.push(`<text x="14" y="${(top + bottom) / 2}" font-size="12" text-anchor="middle" font-family="sans-serif" transform="rotate(-90 14 ${(top + bottom) / 2})">${escapeXml(options.yLabel)}</text>`);
    canvas.text(options.yLabel.toUpperCase(), 4, top - 12, black, 2, 'left');
  }
  series.forEach((s, i) => {
    const rgba = hexToRgba(s.color);
    const pts = s.points.map(([x, y]) => `${r2(px(x))},${r2(py(y))}`).join(' ');
    svg.push(`<polyline data-series="${escapeXml(s.name)}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round" points="${pts}"/>`);
    if (s.points.length === 1) {
      const [x, y] = s.points[0];
      svg.push(`<circle cx="${r2(px(x))}" cy="${r2(py(y))}" r="3" fill="${s.color}"/>`);
      canvas.rect(px(x) - 2, py(y) - 2, 5, 5, rgba);
    }
    for (let k = 1; k < s.points.length; k++) {
      const [xa, ya] = s.points[k - 1];
      const [xb, yb] = s.points[k];
      canvas.line(px(xa), py(ya), px(xb), py(yb), rgba, 2);
    }
    // Legend: swatch + name, top right inside the plot.
    const ly = top + 8 + 16 * i;
    svg.push(`<line x1="${right - 150}" y1="${ly}" x2="${right - 128}" y2="${ly}" stroke="${s.color}" stroke-width="3"/>`);
    svg.push(`<text x="${right - 122}" y="${ly + 4}" font-size="11" font-family="sans-serif">${escapeXml(s.name)}</text>`);
    canvas.rect(right - 150, ly - 1, 22, 3, rgba);
    canvas.text(s.name.toUpperCase(), right - 122, ly - 4, black, 2, 'left');
  });
  return { svg, canvas };
}

function svgDocument(width: number, height: number, body: string[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/**
 * A line chart as an SVG document (always complete, with text) and as an RGBA raster (lines drawn with
 * Bresenham's algorithm, 2 px wide; title, axis labels, tick numbers and legend names in a 3x5 pixel font, upper case).
 *
 * @example
 * ```ts
 * const { svg, image } = renderLineChart({
 *   series: [{ name: 'loss', points: [[1, 0.9], [2, 0.6], [3, 0.4]] }],
 *   title: 'Training', xLabel: 'epoch', yLabel: 'loss',
 * });
 * ```
 */
export function renderLineChart(options: RenderLineChartOptions): LineChartResult {
  const { svg, canvas } = drawChart(options);
  return { svg: svgDocument(canvas.width, canvas.height, svg), image: { width: canvas.width, height: canvas.height, rgba: canvas.rgba } };
}

/** One epoch of a training history, as given to {@link renderTrainingCurves}. */
export interface TrainingEpoch {
  /** Epoch number (x axis). */
  epoch: number;
  /** Mean training loss of the epoch. */
  loss: number;
  /** Validation loss, when measured. */
  valLoss?: number;
  /** Validation Dice similarity coefficient in [0, 1], when measured. */
  valDice?: number;
}

/** Options of {@link renderTrainingCurves}. */
export interface RenderTrainingCurvesOptions {
  /** Epochs in order. */
  history: readonly TrainingEpoch[];
  /** Title prefix of both panels. @defaultValue 'RA-Unet' */
  title?: string;
  /** Size of each of the two panels in pixels. @defaultValue [480, 360] */
  panelSize?: readonly [number, number];
}

/**
 * Training curves in two panels side by side: loss (training, and validation when present) and
 * validation DSC (y fixed to [0, 1]) against epoch. SVG and PNG-ready raster, as {@link renderLineChart}.
 *
 * @example
 * ```ts
 * const { svg, image } = renderTrainingCurves({ history: [{ epoch: 1, loss: 0.8, valDice: 0.3 }, { epoch: 2, loss: 0.5, valDice: 0.6 }] });
 * await writeSvg('curves.svg', svg);
 * await writePng('curves.png', image);
 * ```
 */
export function renderTrainingCurves(options: RenderTrainingCurvesOptions): LineChartResult {
  const [w, h] = options.panelSize ?? [480, 360];
  const title = options.title ?? 'RA-Unet';
  const history = options.history;
  if (!history || typeof history.length !== 'number') throw new InvalidArgumentError('renderTrainingCurves: history must be an array of epochs');
  const lossSeries: ChartSeries[] = [{ name: 'training loss', points: history.map((e) => [e.epoch, e.loss] as const) }];
  if (history.some((e) => e.valLoss !== undefined)) {
    lossSeries.push({ name: 'validation loss', points: history.map((e) => [e.epoch, e.valLoss ?? NaN] as const), color: PALETTE[3] });
  }
  const loss = drawChart({ series: lossSeries, title: `${title}: loss`, xLabel: 'epoch', yLabel: 'loss', width: w, height: h });
  const dice = drawChart({
    series: [{ name: 'validation DSC', points: history.map((e) => [e.epoch, e.valDice ?? NaN] as const), color: PALETTE[2] }],
    title: `${title}: validation DSC`,
    xLabel: 'epoch',
    yLabel: 'DSC',
    width: w,
    height: h,
    yRange: [0, 1],
  });
  const image = montage([loss.canvas, dice.canvas], { gap: 0 });
  const body = [`<g>`, ...loss.svg, `</g>`, `<g transform="translate(${w} 0)">`, ...dice.svg, `</g>`];
  return { svg: svgDocument(2 * w, h, body), image };
}
