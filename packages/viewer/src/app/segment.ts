import { caseName, encodeNifti } from '@raunet/io';
import { withData, type Volume } from '@raunet/core';
import type { ViewerModel } from '../manifest.js';
import { clearMessages, describeError, showError } from './messages.js';
import type { BackendChoice, SegmentMessage, SegmentRequest } from './protocol.js';
import { decode3d, type LoadedVolume } from './volumes.js';

/** The result of the last in-browser segmentation (read by the browser tests). */
export interface BrowserSegmentation {
  /** Case name (the file name without its NIfTI suffix). */
  name: string;
  /** The tfjs backend that ran, e.g. `webgl`, `wasm`, `cpu`. */
  backend: string;
  /** Why other backends were not used. */
  tried: string[];
  /** Wall time from the request to the result, model loading included (s). */
  seconds: number;
  probability: Volume<Float32Array>;
  mask: Volume<Uint8Array>;
}

/** What the page does with a CT the user chose and with the segmentation of it. */
export interface SegmentHooks {
  /** Shows the chosen CT as the current case. */
  showCt(ct: LoadedVolume): Promise<void>;
  /** Shows the predicted mask (NIfTI bytes) over it. */
  showMask(mask: LoadedVolume, result: BrowserSegmentation): Promise<void>;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

function download(link: HTMLAnchorElement, bytes: Uint8Array, name: string): void {
  if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([bytes.slice().buffer], { type: 'application/gzip' }));
  link.download = name;
  link.hidden = false;
}

/** Wires the "Segment a CT in this browser" panel. */
export function setupSegmentation(models: ViewerModel[], hooks: SegmentHooks, onResult: (r: BrowserSegmentation) => void): void {
  const file = $<HTMLInputElement>('segment-file');
  const modelSelect = $<HTMLSelectElement>('segment-model');
  const backendSelect = $<HTMLSelectElement>('segment-backend');
  const ttaSelect = $<HTMLSelectElement>('segment-tta');
  const zoomSelect = $<HTMLSelectElement>('segment-zooms');
  const run = $<HTMLButtonElement>('segment-run');
  const progress = $<HTMLProgressElement>('segment-progress');
  const status = $<HTMLElement>('segment-status');
  const maskLink = $<HTMLAnchorElement>('segment-download');
  const probLink = $<HTMLAnchorElement>('segment-download-prob');
  for (const m of models) modelSelect.append(Object.assign(document.createElement('option'), { value: m.url, textContent: m.name, title: m.description }));
  if (models.length === 0) {
    status.textContent = 'No model is served: start the page with `raunet view` to segment in the browser.';
    file.disabled = true;
    return;
  }
  let ct: LoadedVolume | undefined;
  let busy = false;
  const params = new URLSearchParams(location.search);
  if (params.get('backend')) backendSelect.value = params.get('backend')!;
  if (params.get('tta')) ttaSelect.value = params.get('tta')!;
  if (params.get('zooms')) zoomSelect.value = params.get('zooms')!;

  file.onchange = async () => {
    ct = undefined;
    run.disabled = true;
    maskLink.hidden = probLink.hidden = true;
    const f = file.files?.[0];
    if (!f) return;
    status.textContent = `reading ${f.name}…`;
    try {
      const bytes = new Uint8Array(await f.arrayBuffer());
      ct = { name: f.name, bytes, volume: decode3d(bytes, f.name) };
      clearMessages();
      await hooks.showCt(ct);
      status.textContent = `${f.name}: ${ct.volume.dims.slice(0, 3).join('x')} voxels, ready to segment.`;
      run.disabled = busy;
    } catch (error) {
      status.textContent = `${f.name} cannot be segmented.`;
      showError(`Cannot read ${f.name}`, error);
    }
  };

  run.onclick = () => {
    if (!ct || busy) return;
    const input = ct;
    busy = true;
    run.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    const worker = new Worker(new URL('segment-worker.js', import.meta.url), { type: 'module' });
    let backend = '';
    let tried: string[] = [];
    const finish = () => {
      busy = false;
      run.disabled = false;
      worker.terminate();
    };
    worker.onerror = (e) => {
      showError('The segmentation worker failed', e.message || 'could not start (see the browser console)');
      status.textContent = 'failed';
      finish();
    };
    worker.onmessage = async (event: MessageEvent<SegmentMessage>) => {
      const m = event.data;
      if (m.type === 'status') status.textContent = m.text;
      else if (m.type === 'backend') ({ name: backend, tried } = m);
      else if (m.type === 'progress') {
        progress.value = m.done / m.total;
        status.textContent = `segmenting on ${backend}: ${m.done}/${m.total} patches`;
      } else if (m.type === 'error') {
        showError(`Cannot segment ${input.name}`, Object.assign(new Error(m.message), m.code ? { code: m.code } : {}));
        status.textContent = 'failed';
        finish();
      } else {
        const name = caseName(input.name);
        const result: BrowserSegmentation = {
          name,
          backend: m.backend,
          tried,
          seconds: m.seconds,
          probability: withData(input.volume, m.probability),
          mask: withData(input.volume, m.mask),
        };
        try {
          const maskBytes = encodeNifti(result.mask, { datatype: 'uint8', gzip: true });
          download(maskLink, maskBytes, `${name}_mask.nii.gz`);
          download(probLink, encodeNifti(result.probability, { datatype: 'float32', gzip: true }), `${name}_probability.nii.gz`);
          await hooks.showMask({ name: `${name}_mask.nii.gz`, bytes: maskBytes, volume: result.mask }, result);
          status.textContent = `done on ${m.backend} in ${m.seconds.toFixed(1)} s`;
          onResult(result);
        } catch (error) {
          showError(`Cannot show the segmentation of ${input.name}`, describeError(error));
        }
        finish();
      }
    };
    const request: SegmentRequest = {
      type: 'run',
      volume: input.volume,
      modelUrl: new URL(modelSelect.value, location.href).href,
      backend: backendSelect.value as BackendChoice,
      wasmBase: new URL('./', location.href).href,
      ...(ttaSelect.value === 'model' ? {} : { flipTta: ttaSelect.value === 'on' }),
      ...(zoomSelect.value === 'one' ? { scaleTta: [1] } : {}),
    };
    worker.postMessage(request);
  };
}
