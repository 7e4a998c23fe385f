export { type RgbaImage, type Rgba, type MontageOptions, montage } from './image.js';
export { encodePng, crc32, writePng, writeSvg, type EncodePngOptions } from './png.js';
export {
  renderOverlay,
  renderOverlays,
  maskCentroid,
  type Plane,
  type DisplayOrientation,
  type RenderOverlayOptions,
  type RenderOverlayResult,
  type RenderOverlaysOptions,
  type RenderOverlaysResult,
} from './overlay.js';
export {
  renderLineChart,
  renderTrainingCurves,
  type ChartSeries,
  type RenderLineChartOptions,
  type LineChartResult,
  type TrainingEpoch,
  type RenderTrainingCurvesOptions,
} from './line-chart.js';
export { renderMesh, type RenderMeshOptions, type MeshLike, type MeshView } from './render-mesh.js';
