// Writes a small int16 volume as .nii.gz with @raunet/io, reads it back and compares.
import { createVolume } from '@raunet/core';
import { readNifti, writeNifti } from '@raunet/io';

const data = Int16Array.from({ length: 60 }, (_, i) => i * 10 - 300);
const affine = [
  [-0.8, 0, 0, 100],
  [0, -0.8, 0, 120],
  [0, 0, 2.5, -50],
  [0, 0, 0, 1],
];
await writeNifti('written.nii.gz', createVolume({ data, dims: [5, 4, 3], spacing: [0.8, 0.8, 2.5], affine }));
const back = await readNifti('written.nii.gz');
const equal = back.data.length === data.length && data.every((v, i) => Number(back.data[i]) === v) && JSON.stringify(back.affine.map((r) => r.map((x) => +x.toFixed(5)))) === JSON.stringify(affine);
console.log(JSON.stringify({ dims: back.dims, equal }));
