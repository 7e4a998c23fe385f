import { packageBuild } from '../../scripts/tsup-package.js';

export default packageBuild(['src/index.ts', 'src/browser.ts'], {
  // Keep 'node:' in the lazy imports so browser bundlers recognise them as Node built-ins.
  removeNodeProtocol: false,
});
