import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNifti } from '@raunet/io';
import { readOnnxMetadata } from '@raunet/onnx';
import * as tf from '@tensorflow/tfjs';
import { cli } from './__fixtures__/run-cli.js';

const LESIONS = fileURLToPath(new URL('../../../../shared/data/lesions', import.meta.url));
const haveLesions = existsSync(LESIONS);
if (!haveLesions && process.env.CI) throw new Error(`shared lesion data missing in CI: ${LESIONS}`);

let dir = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'raunet-onnx-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('raunet export', () => {
  it('writes a shipped model as ONNX with its patch size and preprocessing in the metadata, and says what it wrote', async () => {
    const out = join(dir, 'lidc.onnx');
    const r = await cli('export', '--model', 'lidc-nodules', '--format', 'onnx', '--output', out, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { bytes: number; opset: number; patchSize: number[]; members: number; opCounts: Record<string, number> };
    const meta = readOnnxMetadata(readFileSync(out));
    expect(summary.bytes).toBe(readFileSync(out).length);
    expect(summary.opset).toBe(17);
    expect(meta.patchSize).toEqual([48, 48, 16]);
    expect(summary.patchSize).toEqual([48, 48, 16]);
    expect(meta.inputDims).toEqual(['batch', 1, 16, 48, 48]);
    expect(JSON.parse(meta.metadata['raunet.preprocessing'])).toMatchObject({ intensityScale: 'hu', window: [-950, 1500], spacing: [0.7, 0.7, 1.25] });
    expect(JSON.parse(meta.metadata['raunet.inference'])).toMatchObject({ flipTta: false, overlap: 0.5, threshold: 0.5 }); // the ensemble's own: two networks, no flips
    // two RA-Unet networks in one graph, their probabilities averaged by one Mean node
    expect(summary.members).toBe(2);
    expect(summary.opCounts).toMatchObject({ Softmax: 2, MatMul: 4, Resize: 6, Sigmoid: 2, Mean: 1 });
  });

  it('refuses a wrong format or output name before loading anything, and leaves no file', async () => {
    const bad = await cli('export', '--model', 'lidc-nodules', '--format', 'tflite', '--output', join(dir, 'x.onnx'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format must be one of onnx');
    const name = await cli('export', '--model', 'lidc-nodules', '--output', join(dir, 'x.pb'));
    expect(name.code).toBe(2);
    expect(name.stderr).toContain('--output must be a .onnx file');
    expect(existsSync(join(dir, 'x.onnx'))).toBe(false);
  });
});

describe.skipIf(!haveLesions)('raunet predict --backend onnxruntime', () => {
  it('gives the mask and probabilities of the tfjs backend on a real LIDC VOI (the model\'s own settings: two networks, no flips)', { timeout: 300_000 }, async () => {
    const input = join(LESIONS, 'lidc-nodules', 'images', 'LIDC-IDRI-0001_R_1.nii.gz');
    const runs: Record<string, { mask: string; prob: string; stderr: string }> = {};
    for (const backend of ['cpu', 'onnxruntime']) {
      const mask = join(dir, `${backend}-mask.nii.gz`);
      const prob = join(dir, `${backend}-prob.nii.gz`);
      const r = await cli('predict', '--model', 'lidc-nodules', '--input', input, '--output', mask, '--prob', prob, '--backend', backend);
      expect(r.code).toBe(0);
      runs[backend] = { mask, prob, stderr: r.stderr };
    }
    expect(runs.onnxruntime.stderr).toContain('backend: onnxruntime (cpu execution provider)');
    expect(runs.onnxruntime.stderr).toMatch(/not used: onnxruntime-cuda: CUDA execution provider not available/);
    const [m1, m2, p1, p2] = await Promise.all([runs.cpu.mask, runs.onnxruntime.mask, runs.cpu.prob, runs.onnxruntime.prob].map((p) => readNifti(p)));
    let inter = 0;
    let sum = 0;
    let maxAbs = 0;
    for (let i = 0; i < m1.data.length; i++) {
      inter += Number(m1.data[i]) & Number(m2.data[i]);
      sum += Number(m1.data[i]) + Number(m2.data[i]);
      maxAbs = Math.max(maxAbs, Math.abs(Number(p1.data[i]) - Number(p2.data[i])));
    }
    expect(sum).toBeGreaterThan(0);
    expect((2 * inter) / sum).toBeGreaterThanOrEqual(0.999);
    expect(maxAbs).toBeLessThan(1e-4);
  });
});
