import { packageBuild } from '../../scripts/tsup-package.js';

export default packageBuild(['src/index.ts', 'src/bin.ts', 'src/predict-worker.ts']);
