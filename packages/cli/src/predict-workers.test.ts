import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVolume } from '@raunet/core';
import { readNifti, writeNifti } from '@raunet/io';
import { cli } from './__fixtures__/run-cli.js';
import { choosePredictWorkers, SMALL_CASE_VOXELS } from './internal/predict-pool.js';

// `raunet predict --workers N` predicts a folder in N worker processes (the shipped LIDC model on real VOIs):
// the same files, bit for bit, as one case at a time; a bad case stops it with the one-worker error.

const LESIONS = resolve('../shared/data/lesions');
const haveLesions = existsSync(LESIONS);
if (!haveLesions && process.env.CI) throw new Error(`shared lesion data missing in CI: ${LESIONS}`);
const VOIS = [
  'LIDC-IDRI-0001_R_1',
  'LIDC-IDRI-0003_R_2',
  'LIDC-IDRI-0003_R_3',
  'LIDC-IDRI-0005_R_1',
  'LIDC-IDRI-0005_R_2',
];

let dir = '';
let input = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'raunet-workers-'));
  input = join(dir, 'in');
  mkdirSync(input);
  if (haveLesions)
    for (const v of VOIS)
      symlinkSync(join(LESIONS, 'lidc-nodules', 'images', `${v}.nii.gz`), join(input, `${v}.nii.gz`));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The voxel values of every NIfTI file in a folder, by name. */
async function folder(path: string): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const f of readdirSync(path)
    .filter((f) => f.endsWith('.nii.gz'))
    .sort())
    out[f] = Array.from((await readNifti(join(path, f))).data as ArrayLike<number>);
  return out;
}

describe('raunet predict --workers', { timeout: 600_000 }, () => {
  it.skipIf(!haveLesions)(
    'writes the same masks, probabilities and burden JSON in 2 workers as one case at a time',
    async () => {
      const run = async (workers: string) => {
        const out = join(dir, `out${workers}`);
        const r = await cli(
          'predict',
          '--model',
          'lidc-nodules',
          '--input',
          input,
          '--output',
          out,
          '--prob',
          join(out, 'prob'),
          '--workers',
          workers,
          '--json',
        );
        expect(r.code).toBe(0);
        return {
          r,
          out,
          json: JSON.parse(r.stdout) as {
            cases: { name: string; output: string; seconds: number; burden: unknown }[];
          },
        };
      };
      const two = await run('2');
      const one = await run('1');
      expect(two.r.stderr).toContain(`predict: ${VOIS.length} cases on 2 workers`);
      expect(one.r.stderr).not.toContain('workers');
      // input order in the JSON, whatever order the workers finished in
      expect(two.json.cases.map((c) => c.name)).toEqual(VOIS);
      expect(two.json.cases.map((c) => c.burden)).toEqual(one.json.cases.map((c) => c.burden));
      expect(await folder(two.out)).toEqual(await folder(one.out));
      expect(await folder(join(two.out, 'prob'))).toEqual(await folder(join(one.out, 'prob')));
    },
  );

  it.skipIf(!haveLesions)(
    'stops at a bad case with its one-line error naming the file; the finished cases are complete files',
    async () => {
      const bad = join(dir, 'bad');
      mkdirSync(bad);
      for (const v of VOIS.slice(0, 3)) symlinkSync(join(input, `${v}.nii.gz`), join(bad, `${v}.nii.gz`));
      const nan = join(bad, 'LIDC-IDRI-0002_nan.nii.gz');
      const data = new Float32Array(40 * 40 * 8).fill(-600);
      data[17] = NaN;
      await writeNifti(nan, createVolume({ data, dims: [40, 40, 8], spacing: [0.7, 0.7, 2.5] }));
      const out = join(dir, 'outbad');
      const r = await cli(
        'predict',
        '--model',
        'lidc-nodules',
        '--input',
        bad,
        '--output',
        out,
        '--workers',
        '2',
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`raunet predict: ${nan}: the CT has 1 NaN or infinite voxel value`);
      expect(existsSync(join(out, 'LIDC-IDRI-0002_nan.nii.gz'))).toBe(false);
      // whatever finished is a whole mask (written under a temporary name, then renamed)
      const written = readdirSync(out);
      expect(written.every((f) => f.endsWith('.nii.gz'))).toBe(true);
      for (const f of written)
        expect((await readNifti(join(out, f))).dims.slice(0, 3)).toEqual(
          (await readNifti(join(bad, f))).dims.slice(0, 3),
        );
    },
  );

  it('reports a model that does not load, from the workers, as the one-worker loop does', async () => {
    const model = join(dir, 'broken-model');
    const cts = join(dir, 'cts');
    mkdirSync(model);
    mkdirSync(cts);
    writeFileSync(join(model, 'model.json'), '{"format": "layers-model"');
    writeFileSync(join(model, 'weights.bin'), '');
    for (const n of ['a', 'b']) await writeNifti(join(cts, `${n}.nii.gz`), createVolume({ data: new Float32Array(512).fill(-700), dims: [8, 8, 8] }));
    const r = await cli('predict', '--model', model, '--input', cts, '--output', join(dir, 'never'), '--workers', '2');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`raunet predict: ${join(model, 'model.json')}: cannot read a tfjs model.json`);
    expect(readdirSync(join(dir, 'never'))).toEqual([]);
  });

  it('chooses one worker per core only for a folder of small volumes on the cpu backend', async () => {
    const small = join(dir, 'small.nii.gz');
    await writeNifti(small, createVolume({ data: new Float32Array(8 * 8 * 8), dims: [8, 8, 8] }));
    // a header saying more voxels than SMALL_CASE_VOXELS (the data are not read)
    const large = join(dir, 'large.nii');
    const side = Math.ceil(Math.cbrt(SMALL_CASE_VOXELS)) + 1;
    await writeNifti(
      large,
      createVolume({ data: new Uint8Array(side * side * side), dims: [side, side, side] }),
    );
    const job = (p: string) => ({ name: p, input: p, output: `${p}.out.nii.gz` });
    const cores = (await import('node:os')).availableParallelism();
    const auto = await choosePredictWorkers(undefined, [job(small), job(small)], 'cpu');
    expect(auto).toEqual(
      cores >= 2 ? { workers: 2, threads: Math.floor(cores / 2) } : { workers: 1, threads: cores },
    );
    expect(await choosePredictWorkers(undefined, [job(small)], 'cpu')).toEqual({
      workers: 1,
      threads: cores,
    });
    expect(await choosePredictWorkers(undefined, [job(small), job(large)], 'cpu')).toEqual({
      workers: 1,
      threads: cores,
    });
    expect(await choosePredictWorkers(undefined, [job(small), job(small)], 'onnxruntime')).toEqual({
      workers: 1,
      threads: cores,
    });
    expect(await choosePredictWorkers(3, [job(small), job(small)], 'onnxruntime')).toEqual({
      workers: 2,
      threads: Math.max(1, Math.floor(cores / 2)),
    });
  });
});
