import type { CaseNumbers } from '../case-numbers.js';
import { MASK_COLOURS, OVERLAY_DEFAULTS, type OverlayRole, type Scene } from './scene.js';

const MESH_COLOURS: Record<string, [number, number, number]> = {
  yellow: [255, 200, 40],
  red: [230, 40, 40],
  green: [40, 200, 80],
  blue: [60, 120, 255],
  white: [230, 230, 230],
};

function element<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

/** The layer controls: per overlay visibility, opacity and colour; mesh colour and opacity. */
export function layerControls(scene: Scene, roles: OverlayRole[], hasMesh: boolean): HTMLElement[] {
  const rows: HTMLElement[] = [];
  for (const role of roles) {
    const d = OVERLAY_DEFAULTS[role];
    const visible = element('input', { type: 'checkbox', checked: d.opacity > 0, title: `show the ${d.label.toLowerCase()}` });
    const opacity = element('input', { type: 'range', min: '0', max: '1', step: '0.05', value: String(d.opacity > 0 ? d.opacity : 0.6), title: 'opacity' });
    const colour = element('select', { title: 'colour' });
    for (const c of MASK_COLOURS) colour.append(element('option', { value: c, selected: c === d.colormap }, c));
    const apply = () => scene.setOpacity(role, visible.checked ? Number(opacity.value) : 0);
    visible.onchange = apply;
    opacity.oninput = () => {
      visible.checked = true;
      apply();
    };
    colour.onchange = () => scene.setColour(role, colour.value);
    const row = element('div', { className: 'layer' }, element('label', {}, visible, ` ${d.label}`), opacity, ' ', colour);
    row.dataset.role = role;
    rows.push(row);
  }
  if (hasMesh) {
    const colour = element('select', { title: 'mesh colour' });
    for (const c of Object.keys(MESH_COLOURS)) colour.append(element('option', { value: c }, c));
    const opacity = element('input', { type: 'range', min: '0', max: '1', step: '0.05', value: '1', title: 'mesh opacity' });
    const apply = () => scene.setMeshColour([...MESH_COLOURS[colour.value], Math.round(Number(opacity.value) * 255)]);
    colour.onchange = apply;
    opacity.oninput = apply;
    const row = element('div', { className: 'layer' }, element('span', {}, 'Lesion mesh (3D view) '), opacity, ' ', colour);
    row.dataset.role = 'mesh';
    rows.push(row);
  }
  return rows;
}

/** Initial mesh colour (yellow, opaque). */
export const MESH_RGBA: [number, number, number, number] = [...MESH_COLOURS.yellow, 255];

function format(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

/** Rows of the numbers table: the case's computed figures, then the given ones. */
export function numberRows(numbers: CaseNumbers | undefined, given: Record<string, number | string> | undefined): [string, string][] {
  const rows: [string, string][] = [];
  if (numbers) {
    rows.push(['Lesion volume (mL)', format(numbers.lesionMl, 3)], ['Lesion voxels', String(numbers.lesionVoxels)]);
    if (numbers.truthMl !== undefined) rows.push(['Truth volume (mL)', format(numbers.truthMl, 3)]);
    if (numbers.dice !== undefined) rows.push(['DSC', format(numbers.dice, 4)]);
  }
  for (const [k, v] of Object.entries(given ?? {})) rows.push([k, typeof v === 'number' ? String(Math.round(v * 1e4) / 1e4) : v]);
  return rows;
}

/** Fills the numbers table. */
export function showNumbers(table: HTMLTableElement, rows: [string, string][]): void {
  const body = table.tBodies[0];
  body.replaceChildren(...rows.map(([k, v]) => element('tr', {}, element('td', {}, k), element('td', {}, v))));
  if (rows.length === 0) body.append(element('tr', {}, element('td', { className: 'hint' }, 'no mask loaded')));
}
