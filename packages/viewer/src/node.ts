/**
 * The Node side of the viewer: the local read-only server behind `raunet view` ({@link serveViewer}),
 * report folders ({@link writeViewerReport}, {@link readViewerReport}) and where the built page is
 * ({@link viewerAppDir}).
 *
 * @packageDocumentation
 */
export { serveViewer, type ServeViewerOptions, type ServedCase, type ServedModel, type ViewerServer } from './serve-viewer.js';
export { writeViewerReport, readViewerReport, type WriteViewerReportOptions, type ViewerReport } from './viewer-report.js';
export { viewerAppDir } from './app-dir.js';
