// The viewer page: reads manifest.json, shows a case (CT, overlays, mesh, numbers) in NiiVue, and
// segments a CT from the user's disk in a worker. Every failure is a visible message.
import { caseNumbers, type CaseNumbers } from '../case-numbers.js';
import { parseViewerManifest, type ViewerCase, type ViewerManifest } from '../manifest.js';
import { catchEverything, clearMessages, shownErrors, showError, showInfo } from './messages.js';
import { layerControls, MESH_RGBA, numberRows, showNumbers } from './panels.js';
import { maskCentre, Scene, type OverlayRole } from './scene.js';
import { setupSegmentation, type BrowserSegmentation } from './segment.js';
import { assertOnGrid, baseName, fetchBytes, loadVolume, type LoadedVolume } from './volumes.js';

/** What the page exposes for tests and the console: `window.raunetViewer`. */
interface ViewerState {
  /** 'loading' until the first case is shown (or failed), then 'ready'. */
  state: 'loading' | 'ready';
  errors: string[];
  scene?: Scene;
  manifest?: ViewerManifest;
  ct?: LoadedVolume;
  overlays: Partial<Record<OverlayRole, LoadedVolume>>;
  numbers?: CaseNumbers;
  segmentation?: BrowserSegmentation;
}

const state: ViewerState = { state: 'loading', errors: shownErrors, overlays: {} };
(window as unknown as { raunetViewer: ViewerState }).raunetViewer = state;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

async function readManifest(): Promise<ViewerManifest> {
  const response = await fetch('manifest.json');
  if (!response.ok) throw new Error(`manifest.json: HTTP ${response.status}`);
  return parseViewerManifest(await response.json());
}

function renderLayers(roles: OverlayRole[], hasMesh: boolean): void {
  $('layers').replaceChildren(...(state.scene ? layerControls(state.scene, roles, hasMesh) : []));
}

/** Shows a CT and its overlays; each part that fails is reported and skipped. */
async function showCase(c: ViewerCase): Promise<void> {
  clearMessages();
  state.ct = undefined;
  state.overlays = {};
  state.numbers = undefined;
  showNumbers($<HTMLTableElement>('numbers'), []);
  renderLayers([], false);
  let ct: LoadedVolume;
  try {
    ct = await loadVolume(c.ct);
  } catch (error) {
    showError(`Cannot show the CT of case '${c.name}'`, error);
    return;
  }
  state.ct = ct;
  const scene = state.scene;
  if (scene) await scene.setCt(ct);
  const roles: OverlayRole[] = [];
  for (const role of ['prob', 'truth', 'mask'] as const) {
    const url = c[role];
    if (!url) continue;
    try {
      const overlay = await loadVolume(url);
      assertOnGrid(ct, overlay, role === 'mask' ? 'mask' : role === 'truth' ? 'ground truth' : 'probability map');
      state.overlays[role] = overlay;
      if (scene) await scene.setOverlay(role, overlay);
      roles.push(role);
    } catch (error) {
      showError(`Cannot show the ${role} of case '${c.name}'`, error);
    }
  }
  let hasMesh = false;
  if (c.mesh && scene) {
    try {
      await scene.addMesh(baseName(c.mesh), await fetchBytes(c.mesh), MESH_RGBA);
      hasMesh = true;
    } catch (error) {
      showError(`Cannot show the mesh of case '${c.name}'`, error);
    }
  }
  renderLayers(roles, hasMesh);
  const mask = state.overlays.mask?.volume;
  const truth = state.overlays.truth?.volume;
  try {
    state.numbers = mask ? caseNumbers(mask, truth) : truth ? caseNumbers(truth) : undefined;
  } catch (error) {
    showError(`Cannot compute the numbers of case '${c.name}'`, error);
  }
  showNumbers($<HTMLTableElement>('numbers'), numberRows(state.numbers, c.numbers));
  const centre = (mask && maskCentre(mask)) ?? (truth && maskCentre(truth));
  if (scene && centre) scene.centreOn(ct.volume, centre);
}

async function start(): Promise<void> {
  catchEverything();
  let manifest: ViewerManifest;
  try {
    manifest = await readManifest();
  } catch (error) {
    showError('Cannot read manifest.json (open this page with `raunet view`: browsers block reading files from file:// pages)', error);
    manifest = { version: 1, title: 'RA-Unet viewer', cases: [], models: [] };
  }
  state.manifest = manifest;
  document.title = manifest.title;
  $('title').textContent = manifest.title;
  try {
    state.scene = await Scene.create($<HTMLCanvasElement>('gl'), (text) => ($('location').textContent = text));
  } catch (error) {
    showError('Cannot start the 3D view', error);
  }
  for (const button of document.querySelectorAll<HTMLButtonElement>('#view-buttons button')) {
    button.onclick = () => {
      state.scene?.setView(button.dataset.view!);
      for (const b of document.querySelectorAll('#view-buttons button')) b.classList.toggle('active', b === button);
    };
  }
  const select = $<HTMLSelectElement>('case-select');
  for (const c of manifest.cases) select.append(Object.assign(document.createElement('option'), { value: c.name, textContent: c.name }));
  select.onchange = () => void showCase(manifest.cases.find((c) => c.name === select.value)!).catch((e: unknown) => showError('Cannot show the case', e));
  select.parentElement!.hidden = manifest.cases.length === 0;
  setupSegmentation(
    manifest.models,
    {
      showCt: async (ct) => {
        state.ct = ct;
        state.overlays = {};
        state.numbers = undefined;
        showNumbers($<HTMLTableElement>('numbers'), []);
        renderLayers([], false);
        await state.scene?.setCt(ct);
      },
      showMask: async (mask, result) => {
        state.overlays.mask = mask;
        await state.scene?.setOverlay('mask', mask);
        renderLayers(['mask'], false);
        state.numbers = caseNumbers(result.mask);
        showNumbers($<HTMLTableElement>('numbers'), numberRows(state.numbers, { backend: result.backend, 'time (s)': result.seconds }));
        const centre = maskCentre(result.mask);
        if (centre && state.ct) state.scene?.centreOn(state.ct.volume, centre);
      },
    },
    (result) => (state.segmentation = result),
  );
  const first = manifest.cases[0];
  if (first) {
    await showCase(first);
  } else if (manifest.models.length > 0) {
    showInfo('No case was given: choose a CT file on the right to segment it in this browser.');
  }
  state.state = 'ready';
}

start().catch((error: unknown) => {
  showError('The viewer failed to start', error);
  state.state = 'ready';
});
