import type { CommandEntry } from './command.js';

/** Every command: name, summary and a lazy loader (only the command that runs is imported). */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  demo: {
    summary: 'synthesize phantoms, train a small RA-Unet, predict, evaluate, write a report',
    load: async () => (await import('../commands/demo.js')).command,
  },
  train: {
    summary: 'train RA-Unet or U-Net on NIfTI image and mask folders',
    load: async () => (await import('../commands/train.js')).command,
  },
  predict: {
    summary: 'segment one CT or a folder of CTs with a trained model',
    load: async () => (await import('../commands/predict.js')).command,
  },
  lungs: {
    summary: 'segment both lungs of a chest CT without a model (1 = left, 2 = right)',
    load: async () => (await import('../commands/lungs.js')).command,
  },
  submit: {
    summary: 'put one prediction job per CT on a Redis job queue, for workers on many machines',
    load: async () => (await import('../commands/submit.js')).command,
  },
  worker: {
    summary: 'run prediction jobs from a Redis job queue (start one per machine)',
    load: async () => (await import('../commands/worker.js')).command,
  },
  queue: {
    summary: 'show a job queue (waiting, active, completed, failed), clean it, or retry failed jobs',
    load: async () => (await import('../commands/queue.js')).command,
  },
  evaluate: {
    summary: 'score predicted masks against ground truth (DSC, HD95, NSD, ...)',
    load: async () => (await import('../commands/evaluate.js')).command,
  },
  compare: {
    summary: 'compare two evaluations of the same cases, case by case (mean difference, CI, paired tests)',
    load: async () => (await import('../commands/compare.js')).command,
  },
  ensemble: {
    summary: 'combine trained models (e.g. the folds of a cross-validation) into one that averages them',
    load: async () => (await import('../commands/ensemble.js')).command,
  },
  export: {
    summary: 'export a model as ONNX (opset 17) for ONNX Runtime, Triton or MONAI Deploy',
    load: async () => (await import('../commands/export.js')).command,
  },
  mesh: {
    summary: 'turn a mask into a 3D surface model (STL, PLY, OBJ)',
    load: async () => (await import('../commands/mesh.js')).command,
  },
  models: {
    summary: 'list the trained models shipped with raunet and their validation figures',
    load: async () => (await import('../commands/models.js')).command,
  },
  view: {
    summary: 'show a CT with its masks, mesh and numbers in the browser (NiiVue), or a predict --report folder',
    load: async () => (await import('../commands/view.js')).command,
  },
  info: {
    summary: 'summarize a NIfTI file: dims, spacing, orientation, datatype, intensities',
    load: async () => (await import('../commands/info.js')).command,
  },
};
