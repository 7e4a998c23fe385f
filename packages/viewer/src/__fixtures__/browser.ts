import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (apt, installed by scripts/install-system-deps.sh), or RAUNET_CHROMIUM. */
export const CHROMIUM = process.env.RAUNET_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** The shared real data (never copied into the repo). */
export const NIFTI_DATA = resolve('../shared/data/nifti');
export const LESION_DATA = resolve('../shared/data/lesions');

/**
 * Why the browser tests cannot run here, or `undefined`. In CI (`CI=true`) a missing browser or data
 * set is a failure, not a skip.
 */
export function browserSkipReason(): string | undefined {
  const reason = !CHROMIUM
    ? 'no chromium (apt-get install chromium, or set RAUNET_CHROMIUM)'
    : !existsSync(NIFTI_DATA) || !existsSync(LESION_DATA)
      ? `shared data missing (${NIFTI_DATA}, ${LESION_DATA})`
      : undefined;
  if (reason && process.env.CI) throw new Error(`browser tests cannot run in CI: ${reason}`);
  return reason;
}

/** Headless chromium with software WebGL (SwiftShader), as on a machine without a GPU. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM!,
    headless: true,
    args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--disable-dev-shm-usage'],
  });
}

/** Folder for screenshots the tests write for the log (RAUNET_TEST_OUTPUT, else a temp folder). */
export async function testOutputDir(): Promise<string> {
  const dir = process.env.RAUNET_TEST_OUTPUT ?? join(tmpdir(), 'raunet-viewer-test');
  await mkdir(dir, { recursive: true });
  return dir;
}
