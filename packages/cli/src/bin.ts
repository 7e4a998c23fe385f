#!/usr/bin/env node
import { runCli } from './cli.js';
import { nothingToFinish, somethingToFinish } from './internal/interrupt.js';
import { silenceTfjsBanner } from './internal/tfjs-banner.js';

silenceTfjsBanner();
const controller = new AbortController();
let interrupted = 0;
process.on('SIGINT', () => {
  interrupted++;
  if (interrupted === 1) {
    process.stderr.write('\nraunet: stopping after the current step or case (Ctrl-C again to quit sooner)\n');
    controller.abort();
    return;
  }
  // Nothing half-done to protect: quit now. Otherwise a checkpoint or a case's outputs are being
  // completed: quit the moment they are (further Ctrl-C change nothing, so a run always ends with one).
  if (!somethingToFinish()) process.exit(130);
  if (interrupted === 2) {
    process.stderr.write('\nraunet: quitting as soon as the checkpoint / the current outputs are complete\n');
    void nothingToFinish().then(() => process.exit(130));
  }
});

const code = await runCli(process.argv.slice(2), {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  isTTY: Boolean(process.stderr.isTTY),
  signal: controller.signal,
});
process.exitCode = code;
