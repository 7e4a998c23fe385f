import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as fsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FileAccessError, InvalidArgumentError } from './errors.js';
import { replaceDirAtomic, writeFileAtomic } from './atomic-write.js';

/** Failures injected into node:fs/promises as the module under test sees it. */
const inject = vi.hoisted(() => ({ failRename: 0, failWriteAfterBytes: -1 }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof fsPromises>();
  return {
    ...real,
    rename: async (from: string, to: string) => {
      if (inject.failRename > 0 && --inject.failRename === 0) {
        throw Object.assign(new Error(`EXDEV: injected rename failure`), { code: 'EXDEV' });
      }
      return real.rename(from, to);
    },
    open: async (...args: Parameters<typeof real.open>) => {
      const handle = await real.open(...args);
      if (inject.failWriteAfterBytes < 0) return handle;
      const cut = inject.failWriteAfterBytes;
      return Object.assign(Object.create(handle) as typeof handle, {
        writeFile: async (data: Uint8Array | string) => {
          const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
          await handle.write(bytes.subarray(0, cut));
          throw Object.assign(new Error('ENOSPC: injected full disk'), { code: 'ENOSPC' });
        },
        sync: () => handle.sync(),
        close: () => handle.close(),
      });
    },
  };
});

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'raunet-atomic-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => {
  inject.failRename = 0;
  inject.failWriteAfterBytes = -1;
});

/** Everything in `folder` whose name marks a temporary or set-aside sibling. */
async function leftovers(folder: string): Promise<string[]> {
  return (await readdir(folder)).filter((n) => n.includes('.tmp-') || n.includes('.old-'));
}

describe('writeFileAtomic', () => {
  it('creates and replaces a file, text or bytes, leaving no temporary file', async () => {
    const path = join(dir, 'a.json');
    await writeFileAtomic(path, '{"v":1}\n');
    expect(await readFile(path, 'utf8')).toBe('{"v":1}\n');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]), { sync: false });
    expect([...(await readFile(path))]).toEqual([1, 2, 3]);
    expect(await leftovers(dir)).toEqual([]);
  });

  it('keeps the old file and removes the temporary one when the write fails half way', async () => {
    const path = join(dir, 'half.bin');
    await writeFile(path, 'old content');
    inject.failWriteAfterBytes = 4;
    const error = await writeFileAtomic(path, new Uint8Array(1024).fill(7)).catch((e: unknown) => e);
    expect(FileAccessError.isInstance(error)).toBe(true);
    expect((error as FileAccessError).file).toBe(path);
    expect((error as Error).message).toContain('no space left on device');
    expect(await readFile(path, 'utf8')).toBe('old content');
    expect(await leftovers(dir)).toEqual([]);
  });

  it('keeps the old file when the rename fails', async () => {
    const path = join(dir, 'rename.txt');
    await writeFile(path, 'old');
    inject.failRename = 1;
    await expect(writeFileAtomic(path, 'new')).rejects.toThrow(/rename\.txt: cannot write: EXDEV/);
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await leftovers(dir)).toEqual([]);
  });

  it('names the file when its folder does not exist', async () => {
    const path = join(dir, 'missing', 'x.txt');
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(
      `${path}: cannot write: no such file or directory`,
    );
  });
});

describe('replaceDirAtomic', () => {
  const files = async (folder: string) => (await readdir(folder)).sort();

  it('creates a folder (with missing parents) and replaces it whole', async () => {
    const target = join(dir, 'parent', 'model');
    await replaceDirAtomic(target, async (tmp) => {
      await writeFile(join(tmp, 'a.bin'), 'A1');
      await writeFile(join(tmp, 'b.bin'), 'B1');
    });
    expect(await files(target)).toEqual(['a.bin', 'b.bin']);
    await replaceDirAtomic(target, async (tmp) => {
      await fsPromises.mkdir(join(tmp, 'sub'));
      await writeFile(join(tmp, 'sub', 'c.bin'), 'C2');
    });
    expect(await files(target)).toEqual(['sub']);
    expect(await readFile(join(target, 'sub', 'c.bin'), 'utf8')).toBe('C2');
    expect(await leftovers(join(dir, 'parent'))).toEqual([]);
  });

  it('keeps the old folder and removes the temporary one when fill fails half way', async () => {
    const target = join(dir, 'checkpoint');
    await replaceDirAtomic(target, (tmp) => writeFile(join(tmp, 'state.json'), 'old'));
    const error = await replaceDirAtomic(target, async (tmp) => {
      await writeFile(join(tmp, 'state.json'), 'new');
      throw new Error('encoder crashed');
    }).catch((e: unknown) => e);
    expect(FileAccessError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(`${target}: cannot write folder: encoder crashed`);
    expect(await files(target)).toEqual(['state.json']);
    expect(await readFile(join(target, 'state.json'), 'utf8')).toBe('old');
    expect(await leftovers(dir)).toEqual([]);
  });

  it('passes a RaunetError from fill through unchanged', async () => {
    const thrown = new InvalidArgumentError('bad weights');
    await expect(replaceDirAtomic(join(dir, 'never'), () => Promise.reject(thrown))).rejects.toBe(thrown);
    expect((await readdir(dir)).filter((n) => n.includes('never'))).toEqual([]);
  });

  it('puts the old folder back when the swap-in rename fails', async () => {
    const target = join(dir, 'swap');
    await replaceDirAtomic(target, (tmp) => writeFile(join(tmp, 'v'), '1'));
    inject.failRename = 2; // the first rename moves the old folder aside, the second fails
    await expect(replaceDirAtomic(target, (tmp) => writeFile(join(tmp, 'v'), '2'))).rejects.toThrow(
      /swap: cannot write folder: EXDEV/,
    );
    expect(await readFile(join(target, 'v'), 'utf8')).toBe('1');
    expect(await leftovers(dir)).toEqual([]);
  });
});
