// tfjs's Adam updates one variable at a time with the same ops as before, freeing each variable's temporaries
// before the next.
//
// `AdamOptimizer.applyGradients` runs the update of every variable inside one `tidy`: the dozen temporaries
// of each variable (new moments, bias-corrected moments, square root, quotient, new value) all stay alive
// until the last variable is done, about twelve copies of the model's parameters at once (0.5 GB for the
// paper's RA-Unet, which made the optimizer step the peak of a training step). Installed with the early
// release of the tape (early-release.ts, on the layers' first training-mode call), for every Adam in the
// process, `optimizer.minimize` and `model.fit` alike: the same ops in the same order on the same tensors, so
// the values are bitwise unchanged; only each variable's update runs in a `tidy` of its own.
import * as tf from '@tensorflow/tfjs';

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/** The fields of tfjs's AdamOptimizer its applyGradients reads. */
interface AdamLike {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Slot[];
  accumulatedSecondMoment: Slot[];
  incrementIterations(): void;
}

/** One variable's gradient, as `Optimizer.computeGradients` lists them. */
interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

type ApplyGradients = (this: AdamLike, variableGradients: tf.NamedTensorMap | NamedTensor[]) => void;

let original: ApplyGradients | null = null;
let enabled = true;

/** tfjs 4.x's AdamOptimizer.applyGradients with one tidy per variable. */
function applyGradientsPerVariable(this: AdamLike, variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
  if (!enabled) {
    original!.call(this, variableGradients);
    return;
  }
  const registered = (tf.engine() as unknown as { registeredVariables: Record<string, tf.Variable> }).registeredVariables;
  const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
  tf.tidy(() => {
    const oneMinusAccBeta1 = tf.sub(1, this.accBeta1);
    const oneMinusAccBeta2 = tf.sub(1, this.accBeta2);
    names.forEach((name, i) => {
      const value = registered[name];
      const trainable = false;
      this.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(trainable)) };
      this.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(trainable)) };
      const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      if (gradient == null) return;
      const firstMoment = this.accumulatedFirstMoment[i].variable;
      const secondMoment = this.accumulatedSecondMoment[i].variable;
      tf.tidy(() => {
        const newFirstMoment = tf.add(tf.mul(firstMoment, this.beta1), tf.mul(gradient, 1 - this.beta1));
        const newSecondMoment = tf.add(tf.mul(secondMoment, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2));
        const biasCorrectedFirstMoment = tf.div(newFirstMoment, oneMinusAccBeta1);
        const biasCorrectedSecondMoment = tf.div(newSecondMoment, oneMinusAccBeta2);
        firstMoment.assign(newFirstMoment);
        secondMoment.assign(newSecondMoment);
        const newValue = tf.add(tf.mul(tf.div(biasCorrectedFirstMoment, tf.add(tf.sqrt(biasCorrectedSecondMoment), this.epsilon)), -this.learningRate), value);
        value.assign(newValue);
      });
    });
    this.accBeta1.assign(tf.mul(this.accBeta1, this.beta1));
    this.accBeta2.assign(tf.mul(this.accBeta2, this.beta2));
  });
  this.incrementIterations();
}

/** Installs the per-variable update on tfjs's AdamOptimizer (idempotent; see the file comment). */
export function installLeanAdam(): void {
  if (original) return;
  const proto = tf.AdamOptimizer.prototype as unknown as { applyGradients: ApplyGradients };
  if (typeof proto.applyGradients !== 'function') return;
  original = proto.applyGradients;
  proto.applyGradients = applyGradientsPerVariable;
}

/** Turns the per-variable update off (tfjs's own) or back on. For the memory benchmark's baseline and tests. */
export function setLeanAdam(on: boolean): void {
  enabled = on;
}
