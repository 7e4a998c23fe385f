#!/usr/bin/env node
// `pnpm bench [package ...]`: runs every packages/<name>/bench/*.bench.ts (or those of the named
// packages) one after another with tsx, reading sibling packages from source. Each bench prints its own
// table; figures are ratios against a baseline measured in the same run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const wanted = process.argv.slice(2);
const packages = readdirSync(join(root, 'packages')).filter((p) => wanted.length === 0 || wanted.includes(p));
let failed = 0;
for (const pkg of packages) {
  const dir = join(root, 'packages', pkg, 'bench');
  if (!existsSync(dir)) continue;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort()) {
    console.log(`\n### ${pkg}/bench/${file}\n`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=@raunet/source', '--expose-gc', join(dir, file)], {
      stdio: 'inherit',
      cwd: root,
    });
    if (r.status !== 0) failed++;
  }
}
if (failed) {
  console.error(`${failed} bench file(s) failed`);
  process.exit(1);
}
