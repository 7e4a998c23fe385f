import { defineConfig } from 'tsup';

// The Node entries; the page itself (src/app) is bundled for browsers by scripts/build-app.mjs.
export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
