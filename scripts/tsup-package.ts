import { defineConfig, type Options } from 'tsup';

/**
 * The build every package shares: ESM for Node 20 with declarations and source maps, from the given entry
 * files (relative to the package); `extra` adds or overrides tsup options for one package.
 */
export function packageBuild(entry: string[], extra: Options = {}) {
  return defineConfig({ entry, format: ['esm'], dts: true, sourcemap: true, clean: true, target: 'node20', ...extra });
}
