import type { Volume } from '@raunet/core';

/** Which tfjs backend the page asks for; `auto` tries webgl, then wasm, then cpu. */
export type BackendChoice = 'auto' | 'webgl' | 'wasm' | 'cpu';

/** Page → worker: segment this volume with this model. */
export interface SegmentRequest {
  type: 'run';
  volume: Volume;
  /** Absolute URL of the model.json. */
  modelUrl: string;
  backend: BackendChoice;
  /** Absolute URL of the folder holding the tfjs wasm binaries. */
  wasmBase: string;
  /** Flip test-time augmentation: `undefined` keeps the model's own setting. */
  flipTta?: boolean;
  /** In-plane zooms of multi-scale test-time augmentation (`[1]`: one zoom): `undefined` keeps the model's own setting. */
  scaleTta?: number[];
}

/** Worker → page messages. */
export type SegmentMessage =
  | { type: 'status'; text: string }
  | { type: 'backend'; name: string; tried: string[] }
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; probability: Float32Array; mask: Uint8Array; seconds: number; backend: string }
  | { type: 'error'; message: string; code?: string };
