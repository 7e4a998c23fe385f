import { build, type BuildFailure } from 'esbuild';
import { describe, expect, it } from 'vitest';

/** Node built-ins (bare or `node:`) a browser bundle must not contain. */
const NODE_BUILTIN = /^(node:.*|fs|fs\/promises|path|zlib|worker_threads|os|crypto|url|child_process|http|stream|util)$/;

/** Bundles `source` for the browser (esbuild, platform browser): the inputs, or the resolve errors. */
async function browserBundle(source: string, conditions: string[] = ['@raunet/source']): Promise<{ inputs: string[]; imports: string[]; bytes: number } | { errors: string[] }> {
  try {
    const result = await build({
      stdin: { contents: source, resolveDir: import.meta.dirname },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      conditions,
      write: false,
      metafile: true,
      logLevel: 'silent',
      // tfjs is a peer dependency that ships its own browser builds (the viewer test bundles it); leaving it
      // out keeps these bundles to our code and fast.
      external: ['@tensorflow/*'],
    });
    const imports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    return { inputs: Object.keys(result.metafile.inputs), imports, bytes: result.outputFiles[0].contents.length };
  } catch (error) {
    return { errors: (error as BuildFailure).errors.map((e) => `${e.text} (${e.location?.file ?? '?'})`) };
  }
}

describe('browser bundles of the package roots', () => {
  for (const pkg of ['@raunet/core', '@raunet/io', '@raunet/preprocess', '@raunet/metrics', '@raunet/layers-3d', '@raunet/raunet', '@raunet/models']) {
    it(`${pkg} bundles for platform browser with no Node built-in`, async () => {
      const out = await browserBundle(`export * from '${pkg}';`);
      expect('errors' in out ? out.errors : []).toEqual([]);
      if ('errors' in out) return;
      expect(out.imports.filter((p) => NODE_BUILTIN.test(p))).toEqual([]);
      expect(out.inputs.some((p) => /node\.ts$|list-nifti-files|model-io|checkpoint|dataset\.ts|train\.ts/.test(p))).toBe(false);
    });
  }

  it('the browser entries keep the in-memory API and drop the file API', async () => {
    const ok = await browserBundle(
      `import { decodeNifti, encodeNifti, decodeNiftiHeader, caseName } from '@raunet/io';
       import { predictVolume, loadModelFromUrl, buildRAUnet, initBackend } from '@raunet/raunet';
       console.log(decodeNifti, encodeNifti, decodeNiftiHeader, caseName, predictVolume, loadModelFromUrl, buildRAUnet, initBackend);`,
    );
    expect('errors' in ok ? ok.errors : []).toEqual([]);
    const missing = await browserBundle(`import { readNifti } from '@raunet/io'; console.log(readNifti);`);
    expect('errors' in missing ? missing.errors.join('\n') : '').toMatch(/No matching export.*readNifti/);
  });

  it('control: the Node entry of @raunet/io does reach Node built-ins (the check can fail)', async () => {
    // Without the browser condition esbuild takes the Node entry, which loads node:fs and node:zlib.
    const out = await browserBundle(`export * from '@raunet/io';`, ['@raunet/source', 'node']);
    const found = 'errors' in out ? out.errors.join('\n') : out.imports.filter((p) => NODE_BUILTIN.test(p)).join(',');
    expect(found).toMatch(/node:fs|node:zlib|node:path|resolve "module"/);
  });
});

describe('Node imports from the package roots are unchanged', () => {
  it('readNifti, writeNifti, listNiftiFiles, loadModel, train… are exported in Node', async () => {
    const io = await import('@raunet/io');
    const raunet = await import('@raunet/raunet');
    for (const name of ['readNifti', 'readNiftiHeader', 'writeNifti', 'listNiftiFiles', 'decodeNifti', 'encodeNifti', 'caseName', 'isNiftiPath']) expect(typeof (io as Record<string, unknown>)[name], name).toBe('function');
    for (const name of ['loadModel', 'saveModel', 'readModelArtifacts', 'loadDataset', 'train', 'writeCheckpoint', 'predictVolume', 'loadModelFromUrl', 'buildRAUnet']) expect(typeof (raunet as Record<string, unknown>)[name], name).toBe('function');
  });
});
