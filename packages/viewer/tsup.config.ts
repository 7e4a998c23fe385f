import { packageBuild } from '../../scripts/tsup-package.js';

// The Node entries; the page itself (src/app) is bundled for browsers by scripts/build-app.mjs.
export default packageBuild(['src/index.ts', 'src/node.ts']);
