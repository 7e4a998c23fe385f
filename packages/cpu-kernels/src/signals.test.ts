// A signal delivered while oneDNN runs must not corrupt memory (native/signal_guard.h): oneDNN 2.x's
// generated f32 GEMM kernels point the stack register at a heap buffer, so a signal frame pushed there
// corrupts the heap. The child below installs a handler (as the CLI does for SIGINT) and computes the
// weight gradient of the paper's deepest convolution at a 192x192x32 patch (256 -> 256 channels on a
// 2x12x12 grid, which oneDNN 2.6 runs on that GEMM) again and again while this test floods it with
// SIGUSR2. Before the guard it aborted within seconds ("corrupted size vs. prev_size") or its results
// changed; now every result equals the first and the process exits cleanly.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nativeKernelsStatus, registerNativeKernels, unregisterNativeKernels } from './index.js';
import { probe, skipReason } from './__fixtures__/native-vs-js.js';

const addonFile = (() => {
  if (!probe.loaded) return '';
  registerNativeKernels();
  const file = nativeKernelsStatus().addonFile!;
  unregisterNativeKernels();
  return file;
})();

/** Child: weight gradients in a loop for `seconds`, checking each against the first; prints a JSON summary. */
const child = (seconds: number): string => `
  const addon = require(${JSON.stringify(addonFile)});
  let signals = 0;
  process.on('SIGUSR2', () => { signals++; });
  // x [1, 2, 12, 12, 256], filter [3, 3, 3, 256, 256], stride 1, padding 1 ('same')
  const params = Int32Array.from([1, 2, 12, 12, 256, 2, 12, 12, 256, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  let s = 1;
  const rand = (n) => Float32Array.from({ length: n }, () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5);
  const x = rand(2 * 12 * 12 * 256);
  const dy = rand(2 * 12 * 12 * 256);
  const gradient = () => { const dw = new Float32Array(27 * 256 * 256); addon.conv3dBackwardFilter(x, dy, dw, params); return dw; };
  const first = gradient();
  let iterations = 0, mismatches = 0;
  const end = Date.now() + ${seconds * 1000};
  const loop = () => {
    for (let i = 0; i < 20; i++) {
      const dw = gradient();
      iterations++;
      for (let j = 0; j < dw.length; j += 97) if (dw[j] !== first[j]) { mismatches++; break; }
    }
    if (Date.now() < end) setImmediate(loop);
    else process.stdout.write(JSON.stringify({ iterations, mismatches, signals }) + '\\n');
  };
  // exits once the test has stopped the signals and closed stdin (at exit Node drops its handler)
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  process.stdout.write('ready\\n');
  loop();`;

describe(`signals during native kernels${skipReason}`, () => {
  it.skipIf(!probe.loaded)('a flood of signals with a handler installed neither corrupts memory nor changes results', async () => {
    const proc = spawn(process.execPath, ['-e', child(3)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // a separate shell sends the signals: this process's event loop must stay free to read the child
    let flood: ReturnType<typeof spawn> | undefined;
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!flood && out.startsWith('ready\n')) {
        flood = spawn('bash', ['-c', `while kill -USR2 ${proc.pid} 2>/dev/null; do :; done`], { stdio: 'ignore' });
      }
      if (flood && out.split('\n').length > 2) {
        // the summary is in: stop the signals, then let the child exit
        const stopped = flood;
        stopped.on('exit', () => proc.stdin.end());
        stopped.kill('SIGKILL');
      }
    });
    const exit = await new Promise<string>((resolve) => proc.on('close', (c, signal) => resolve(signal ?? String(c))));
    flood?.kill('SIGKILL');
    expect(err).not.toMatch(/corrupted|double free|free\(\)/);
    expect(exit).toBe('0');
    const summary = JSON.parse(out.split('\n')[1]) as { iterations: number; mismatches: number; signals: number };
    expect(summary.mismatches).toBe(0);
    expect(summary.iterations).toBeGreaterThan(50);
    expect(summary.signals).toBeGreaterThan(100);
  }, 60_000);
});
