#!/usr/bin/env node
// `node scripts/link-split.mjs RUN/split.json PART IMAGES_DIR OUT_DIR`: makes OUT_DIR hold symbolic links to
// the images of one part (train, validation or test) of a training run's split, so that `raunet predict
// --input OUT_DIR` segments exactly those cases (the data stay where they are; nothing is copied).
import { mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [splitFile, part, imagesDir, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: node scripts/link-split.mjs RUN/split.json train|validation|test IMAGES_DIR OUT_DIR');
  process.exit(2);
}
const split = JSON.parse(readFileSync(splitFile, 'utf8'));
const names = split[part];
if (!Array.isArray(names)) {
  console.error(`${splitFile} has no part '${part}' (parts: ${Object.keys(split).join(', ')})`);
  process.exit(2);
}
const byName = new Map(readdirSync(imagesDir).map((f) => [f.replace(/\.(nii(\.gz)?|hdr(\.gz)?)$/i, ''), f]));
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
for (const n of names) {
  const f = byName.get(n);
  if (!f) {
    console.error(`no image for case '${n}' in ${imagesDir}`);
    process.exit(1);
  }
  symlinkSync(resolve(imagesDir, f), join(outDir, f));
}
console.log(`${names.length} ${part} cases linked in ${outDir}`);
