import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Removes the hidden temporary files that `writeFileAtomic` (of `@raunet/core/node`) names after
 * `output` (`.<name>.tmp-<pid>-<random>`): left by a worker killed while writing. A job is held by one
 * worker at a time, so any such file belongs to an earlier attempt. A missing folder is not an error.
 */
export async function removeStaleTemporaries(output: string): Promise<void> {
  const prefix = `.${basename(output)}.tmp-`;
  let names: string[];
  try {
    names = await readdir(dirname(output));
  } catch {
    return;
  }
  for (const n of names) if (n.startsWith(prefix)) await rm(join(dirname(output), n), { force: true });
}
