import { packageBuild } from '../../scripts/tsup-package.js';

export default packageBuild(['src/index.ts', 'src/node.ts']);
