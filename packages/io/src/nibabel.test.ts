import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createVolume, type Volume } from '@raunet/core';
import { readNifti, writeNifti } from './index.js';

// Optional independent check: nibabel itself loads what we write (Debian: apt-get install python3-nibabel).
const PYTHON = process.env.RAUNET_NIBABEL_PYTHON ?? '/usr/bin/python3';
const hasNibabel = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import nibabel'], { encoding: 'utf8' }).status === 0;
const DATA = path.resolve('../shared/data/nifti');
const have = existsSync(DATA);

const SCRIPT = `
import json, sys, numpy as np, nibabel as nib
out = []
for f in sys.argv[1:]:
    img = nib.load(f)
    d = np.asanyarray(img.dataobj)
    if d.dtype.names: d = np.stack([d[n] for n in d.dtype.names], axis=-1)
    if np.iscomplexobj(d): d = np.stack([d.real, d.imag], axis=-1)
    # Flatten x fastest, components interleaved (our Volume layout).
    comps = d.shape[-1] if (img.get_data_dtype().names or np.iscomplexobj(np.asanyarray(img.dataobj))) else 1
    flat = (np.moveaxis(d, -1, 0).reshape(comps, -1, order='F').T.ravel() if comps > 1 else d.ravel(order='F')).astype(np.float64)
    out.append({'shape': list(img.shape), 'affine': img.affine.tolist(), 'sum': float(flat.sum()), 'first': flat[:50].tolist(), 'n': int(flat.size), 'dtype': str(d.dtype)})
print(json.dumps(out))
`;

describe.skipIf(!hasNibabel)(`nibabel loads what writeNifti writes (needs ${PYTHON} with nibabel)`, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'raunet-io-nib-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('same shape, affine and values', async () => {
    const volumes: [string, Volume][] = [];
    const t = 0.4;
    const hu = new Float32Array(6 * 5 * 4).map((_, i) => ((i * 37) % 300) - 1024);
    const oblique = [
      [-Math.cos(t) * 0.7, -Math.sin(t) * 0.7, 0, 12.5],
      [-Math.sin(t) * 0.7, Math.cos(t) * 0.7, 0, -40],
      [0, 0, 2.5, 88],
      [0, 0, 0, 1],
    ];
    volumes.push(['synthetic-hu.nii.gz', createVolume({ data: hu, dims: [6, 5, 4], affine: oblique })]);
    volumes.push(['synthetic-rgb.nii', createVolume({ data: new Uint8Array(60).map((_, i) => i * 4), dims: [5, 4], components: 3 })]);
    if (have) {
      for (const f of ['fmt_analyze75_be_avg152T1.hdr.gz', 'chest_ct_lidc_2slices_dcm2niix.nii.gz', 'fmt_complex128_2d.nii', 'fmt_5d_small_scaled.nii', 'fmt_dtype_uint64_3x3x3.nii']) {
        volumes.push([f.replace(/\.(hdr|nii)(\.gz)?$/, '.nii$2'), await readNifti(path.join(DATA, f))]);
      }
    }
    const files: string[] = [];
    for (const [name, v] of volumes) {
      const file = path.join(dir, name);
      await writeNifti(file, v, name === 'synthetic-hu.nii.gz' ? { datatype: 'int16', sclInter: -1024 } : {});
      files.push(file);
    }
    const res = spawnSync(PYTHON, ['-c', SCRIPT, ...files], { encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(res.status, res.stderr).toBe(0);
    const got = JSON.parse(res.stdout) as { shape: number[]; affine: number[][]; sum: number; first: number[]; n: number }[];
    volumes.forEach(([name, v], k) => {
      const nb = got[k];
      expect(nb.shape, name).toEqual(v.dims);
      for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(Math.abs(nb.affine[r][c] - v.affine[r][c]), `${name} affine`).toBeLessThan(1e-4);
      expect(nb.n).toBe(v.data.length);
      const ours = Array.from(v.data, Number);
      nb.first.forEach((x, i) => expect(x, `${name} value ${i}`).toBeCloseTo(ours[i], 4));
      const sum = ours.reduce((a, b) => a + b, 0);
      expect(Math.abs(nb.sum - sum)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(sum)));
    });
  });
});
