/**
 * ONNX export of RA-Unet and 3D U-Net models (opset 17, NCDHW, dynamic batch, the attention as MatMul /
 * Softmax / Add, preprocessing and sliding-window settings in `metadata_props`), written with `onnx-proto`,
 * and the reader of that metadata. Runs in browsers and Node; the ONNX Runtime predictor and file writing
 * are in `@raunet/onnx/node`.
 *
 * @packageDocumentation
 */
export { exportOnnx, ONNX_OPSET, ONNX_IR_VERSION, type ExportOnnxOptions, type ExportOnnxResult } from './export-onnx.js';
export { readOnnxMetadata, ONNX_METADATA_KEYS, type OnnxModelMetadata } from './onnx-metadata.js';
