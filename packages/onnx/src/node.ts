/**
 * The Node-only part of `@raunet/onnx`: writing `.onnx` files atomically, exporting a saved model or
 * ensemble folder, and sliding-window prediction
 * through onnxruntime-node (CPU provider, or CUDA when the installed onnxruntime-node has it).
 * onnxruntime-node is an optional peer dependency: install it to use {@link createOnnxPatchPredictor}.
 *
 * @packageDocumentation
 */
export { writeOnnx, exportOnnxDir } from './write-onnx.js';
export {
  createOnnxPatchPredictor,
  ONNX_EXECUTION_PROVIDERS,
  ONNX_CUDA_HINT,
  type OnnxExecutionProvider,
  type OnnxPatchPredictor,
  type OnnxPatchPredictorOptions,
} from './onnx-runtime.js';
