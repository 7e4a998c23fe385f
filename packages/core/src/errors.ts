const MARKER = Symbol.for('@raunet/core/error');

/** Options shared by every RA-Unet error constructor. */
export interface RaunetErrorOptions {
  /** The underlying failure (a third-party error, an I/O error…), kept for debugging. */
  cause?: unknown;
  /** The file the problem concerns, when there is one; it is also put at the start of the message. */
  file?: string;
}

/**
 * Base class of every error thrown by `@raunet/*` packages.
 *
 * Each subclass has an explicit `name` and a stable `code`. Use the static `isInstance` check rather
 * than `instanceof`: it still works when two copies of `@raunet/core` are installed.
 *
 * @example
 * ```ts
 * try { await readNifti('ct.nii.gz'); }
 * catch (e) { if (NiftiFormatError.isInstance(e)) console.error(e.file, e.message); }
 * ```
 */
export class RaunetError extends Error {
  /** Stable machine-readable code, e.g. `ERR_NIFTI_FORMAT`. */
  readonly code: string;
  /** The file the problem concerns, when there is one. */
  readonly file: string | undefined;
  /** @internal */
  readonly [MARKER] = true;

  constructor(message: string, code = 'ERR_RAUNET', options: RaunetErrorOptions = {}) {
    super(options.file ? `${options.file}: ${message}` : message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RaunetError';
    this.code = code;
    this.file = options.file;
  }

  /** True when `error` is a {@link RaunetError} from any installed copy of `@raunet/core`. */
  static isInstance(error: unknown): error is RaunetError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

function isNamed(error: unknown, name: string): boolean {
  return RaunetError.isInstance(error) && error.name === name;
}

/** A function was called with an argument outside its documented domain (bad size, negative spacing…). */
export class InvalidArgumentError extends RaunetError {
  constructor(message: string, options: RaunetErrorOptions = {}) {
    super(message, 'ERR_INVALID_ARGUMENT', options);
    this.name = 'InvalidArgumentError';
  }
  /** True when `error` is an {@link InvalidArgumentError} from any installed copy. */
  static override isInstance(error: unknown): error is InvalidArgumentError {
    return isNamed(error, 'InvalidArgumentError');
  }
}

/** Two volumes or tensors that must share a shape, grid or affine do not. */
export class ShapeMismatchError extends RaunetError {
  constructor(message: string, options: RaunetErrorOptions = {}) {
    super(message, 'ERR_SHAPE_MISMATCH', options);
    this.name = 'ShapeMismatchError';
  }
  /** True when `error` is a {@link ShapeMismatchError} from any installed copy. */
  static override isInstance(error: unknown): error is ShapeMismatchError {
    return isNamed(error, 'ShapeMismatchError');
  }
}

/** A file is not valid NIfTI/Analyze: bad magic, truncated, cut gzip stream, absurd header… */
export class NiftiFormatError extends RaunetError {
  constructor(message: string, options: RaunetErrorOptions = {}) {
    super(message, 'ERR_NIFTI_FORMAT', options);
    this.name = 'NiftiFormatError';
  }
  /** True when `error` is a {@link NiftiFormatError} from any installed copy. */
  static override isInstance(error: unknown): error is NiftiFormatError {
    return isNamed(error, 'NiftiFormatError');
  }
}

/** The input is valid but uses a feature this project does not support (a datatype, a layout…). */
export class UnsupportedError extends RaunetError {
  constructor(message: string, options: RaunetErrorOptions = {}) {
    super(message, 'ERR_UNSUPPORTED', options);
    this.name = 'UnsupportedError';
  }
  /** True when `error` is an {@link UnsupportedError} from any installed copy. */
  static override isInstance(error: unknown): error is UnsupportedError {
    return isNamed(error, 'UnsupportedError');
  }
}

/** A file or folder could not be read or written (missing, unwritable, not a directory…). */
export class FileAccessError extends RaunetError {
  constructor(message: string, options: RaunetErrorOptions = {}) {
    super(message, 'ERR_FILE_ACCESS', options);
    this.name = 'FileAccessError';
  }
  /** True when `error` is a {@link FileAccessError} from any installed copy. */
  static override isInstance(error: unknown): error is FileAccessError {
    return isNamed(error, 'FileAccessError');
  }
}

/** A dataset (image/label folders, a JSON list) is inconsistent: unmatched names, differing grids… */
export class DatasetError extends RaunetError {
  constructor(message: string, options: RaunetErrorOptions = {}) {
    super(message, 'ERR_DATASET', options);
    this.name = 'DatasetError';
  }
  /** True when `error` is a {@link DatasetError} from any installed copy. */
  static override isInstance(error: unknown): error is DatasetError {
    return isNamed(error, 'DatasetError');
  }
}

/** A backend (tfjs-node-gpu, tfjs-node, wasm, native kernels) could not be loaded or used. */
export class BackendError extends RaunetError {
  constructor(message: string, options: RaunetErrorOptions = {}) {
    super(message, 'ERR_BACKEND', options);
    this.name = 'BackendError';
  }
  /** True when `error` is a {@link BackendError} from any installed copy. */
  static override isInstance(error: unknown): error is BackendError {
    return isNamed(error, 'BackendError');
  }
}

/**
 * The same error with `file` attached, for callers that know which file a file-less error concerns (a
 * check on a volume read from that file). A {@link RaunetError} without `file` becomes one of the same
 * `name` and `code` (so `isInstance` checks still hold) whose message starts with the file, the original
 * as `cause`; anything else, and errors that already name a file, are returned unchanged.
 *
 * @example
 * ```ts
 * try { check(await readNifti(path)); } catch (e) { throw errorWithFile(e, path); }
 * ```
 */
export function errorWithFile(error: unknown, file: string): unknown {
  if (!RaunetError.isInstance(error) || error.file !== undefined) return error;
  const e = new RaunetError(error.message, error.code, { file, cause: error });
  Object.defineProperty(e, 'name', { value: error.name, enumerable: false, writable: true, configurable: true });
  return e;
}
