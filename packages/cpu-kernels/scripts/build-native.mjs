#!/usr/bin/env node
// Builds the optional oneDNN addon with node-gyp. NEVER fails the install or the build: when oneDNN
// (Debian: libdnnl-dev) or a compiler is missing, it prints why, records it in build/native-build.json
// and exits 0; registerNativeKernels() then reports loaded:false with that reason.
// Usage: node scripts/build-native.mjs [--force]   (without --force, an up-to-date addon is kept)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const addon = path.join(pkg, 'build', 'Release', 'raunet_cpu_kernels.node');
const sources = ['binding.gyp', ...readdirSync(path.join(pkg, 'native')).map((f) => path.join('native', f))].map((f) => path.join(pkg, f));
const force = process.argv.includes('--force');

function finish(ok, reason) {
  mkdirSync(path.join(pkg, 'build'), { recursive: true });
  writeFileSync(path.join(pkg, 'build', 'native-build.json'), JSON.stringify({ ok, reason }, null, 2) + '\n');
  console.log(`@raunet/cpu-kernels: native addon ${ok ? 'built' : 'skipped'}${reason ? ': ' + reason : ''}`);
  process.exit(0);
}

if (process.env.RAUNET_SKIP_NATIVE === '1') finish(false, 'RAUNET_SKIP_NATIVE=1');

if (!force && existsSync(addon)) {
  const built = statSync(addon).mtimeMs;
  if (sources.every((s) => !existsSync(s) || statSync(s).mtimeMs <= built)) {
    console.log('@raunet/cpu-kernels: native addon up to date');
    process.exit(0);
  }
}

if (process.platform !== 'linux' && process.platform !== 'darwin') finish(false, `platform ${process.platform} not supported`);

// oneDNN headers: the system include dirs, plus CPATH / CPLUS_INCLUDE_PATH.
const includeDirs = ['/usr/include', '/usr/local/include', '/opt/homebrew/include'].concat(
  `${process.env.CPATH ?? ''}:${process.env.CPLUS_INCLUDE_PATH ?? ''}`.split(':').filter(Boolean),
);
if (!includeDirs.some((d) => existsSync(path.join(d, 'oneapi', 'dnnl', 'dnnl.hpp')))) {
  finish(false, 'oneDNN headers (oneapi/dnnl/dnnl.hpp) not found: install oneDNN 2.x (Debian/Ubuntu: apt install libdnnl-dev)');
}

// node-gyp: this package's devDependency, the one the package manager provides, or PATH.
let gyp;
try {
  gyp = [process.execPath, createRequire(path.join(pkg, 'package.json')).resolve('node-gyp/bin/node-gyp.js')];
} catch {
  if (process.env.npm_config_node_gyp) gyp = [process.execPath, process.env.npm_config_node_gyp];
  else gyp = ['node-gyp'];
}

// Node headers come with the Node install (<prefix>/include/node): use them, so nothing is downloaded.
const args = ['rebuild'];
const prefix = path.resolve(path.dirname(process.execPath), '..');
const nodedir = process.env.npm_config_nodedir || (existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);
if (nodedir) args.push(`--nodedir=${nodedir}`);

const run = spawnSync(gyp[0], [...gyp.slice(1), ...args], { cwd: pkg, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
if (run.error) finish(false, `could not run node-gyp (${run.error.message})`);
if (run.status !== 0 || !existsSync(addon)) {
  const tail = `${run.stdout ?? ''}\n${run.stderr ?? ''}`.split('\n').filter((l) => /error|Error|not found/.test(l)).slice(-5).join(' | ');
  finish(false, `node-gyp failed (exit ${run.status}): ${tail || 'see node-gyp output'}`);
}
finish(true);
