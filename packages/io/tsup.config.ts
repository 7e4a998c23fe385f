import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/browser.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // Keep 'node:' in the lazy imports so browser bundlers recognise them as Node built-ins.
  removeNodeProtocol: false,
});
