// Releases what the backward pass no longer needs, node by node, as PyTorch's autograd does.
//
// tfjs's `engine.gradients` walks the tape backward and keeps, until the whole walk ends, (a) every tensor a
// node saved for its gradient and (b) the accumulated gradient of every intermediate tensor. For a 3D U-Net
// that doubles the memory of a training step: the gradients of all activations pile up on top of all saved
// activations. Here each tape node's gradient function is wrapped (the engine's `addTapeNode`) so that, once
// the walk has moved on to the next node, the finished node's saved tensors and the gradients of its outputs
// are disposed. Nothing else can read them: saved tensors are the engine's private clones, and an output's
// gradient is read only by the node that produced the output. Values are unchanged; only when they are freed.
//
// Left alone: gradients the caller passed in (`tf.grads(f)(x, dy)`: created outside the backward pass's
// scope), a tensor a gradient function returned as an input's gradient (identity-like gradients hand `dy` or
// a saved tensor on), and everything during higher-order gradients (a tape recorded inside another tape,
// `gradientDepth > 0`), where the engine itself keeps the saved tensors for the outer pass.
import * as tf from '@tensorflow/tfjs';
import { installLeanAdam, setLeanAdam } from './lean-adam.js';

interface ScopeLike {
  id: number;
}

interface TapeNodeLike {
  saved?: tf.Tensor[];
  gradient?: (dys: tf.Tensor[]) => Record<string, () => tf.Tensor>;
}

interface EngineLike {
  state: { activeTape: TapeNodeLike[] | null; activeScope: ScopeLike | null; gradientDepth: number };
  addTapeNode: (...args: unknown[]) => void;
}

/** One node whose gradient ran: what to release once the walk has moved on. */
interface Finished {
  dys: tf.Tensor[];
  saved: tf.Tensor[];
  /** Tensors handed out as input gradients (never released here). */
  results: Set<tf.Tensor>;
  /** The backward pass's scope: only gradients created in it are the engine's own. */
  scopeId: number;
  /** Input-gradient closures currently running (a nested backward pass may run inside one). */
  running: number;
}

let installed: { engine: EngineLike; original: EngineLike['addTapeNode'] } | null = null;
let enabled = true;
let pending: Finished[] = [];

function release(node: Finished): void {
  for (const t of node.saved) if (!node.results.has(t)) t.dispose();
  for (const t of node.dys) if (t.scopeId === node.scopeId && !node.results.has(t)) t.dispose();
}

/** Releases every finished node that is not inside one of its input-gradient closures. */
function releasePending(): void {
  if (pending.length === 0) return;
  const keep: Finished[] = [];
  for (const node of pending) {
    if (node.running > 0) keep.push(node);
    else release(node);
  }
  pending = keep;
}

function wrapGradient(engine: EngineLike, node: TapeNodeLike): void {
  const gradient = node.gradient;
  if (!gradient) return;
  node.gradient = (dys: tf.Tensor[]) => {
    // the walk has moved on: the previous nodes are done
    releasePending();
    const inputGradients = gradient(dys);
    const scope = engine.state.activeScope;
    if (!enabled || engine.state.gradientDepth > 0 || scope === null) return inputGradients;
    const finished: Finished = { dys: dys.filter((d) => d != null), saved: node.saved ?? [], results: new Set(), scopeId: scope.id, running: 0 };
    pending.push(finished);
    const wrapped: Record<string, () => tf.Tensor> = {};
    for (const [name, lazy] of Object.entries(inputGradients)) {
      wrapped[name] = () => {
        finished.running++;
        try {
          const dx = lazy();
          finished.results.add(dx);
          return dx;
        } finally {
          finished.running--;
        }
      };
    }
    return wrapped;
  };
}

/**
 * Installs the early release on tfjs's engine (idempotent), and the per-variable update of tfjs's Adam
 * (lean-adam.ts). Called by the layers before their first training-mode call; it then applies to every
 * gradient computed and every Adam step taken in the process.
 */
export function installEarlyTapeRelease(): void {
  installLeanAdam();
  if (installed) return;
  const engine = tf.engine() as unknown as EngineLike;
  const original = engine.addTapeNode;
  if (typeof original !== 'function' || !engine.state) return;
  engine.addTapeNode = function (this: EngineLike, ...args: unknown[]): void {
    original.apply(this, args);
    const tape = this.state.activeTape;
    const node = tape?.[tape.length - 1];
    if (node) wrapGradient(this, node);
  };
  installed = { engine, original };
}

/**
 * Turns the early release off (tfjs's own behaviour: everything freed at the end of the backward pass, and
 * Adam's temporaries at the end of its step) or back on. For the memory benchmark's baseline and tests; not part of the public API.
 */
export function setEarlyTapeRelease(on: boolean): void {
  enabled = on;
  setLeanAdam(on);
  if (!on) pending = [];
}
