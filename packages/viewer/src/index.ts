/**
 * The RA-Unet viewer. This entry is plain data and works in browsers: the `manifest.json` format the
 * page reads ({@link ViewerManifest}) and the figures it prints ({@link caseNumbers}). The page itself
 * is built to static files (`@raunet/viewer/app/index.html`); the local server behind `raunet view`
 * and the report writer are in `@raunet/viewer/node`.
 *
 * @packageDocumentation
 */
export { parseViewerManifest, VIEWER_CASE_FILES, type ViewerCase, type ViewerManifest, type ViewerModel } from './manifest.js';
export { caseNumbers, type CaseNumbers } from './case-numbers.js';
