import { InvalidArgumentError } from '@raunet/core';
import { writeFileAtomic } from '@raunet/core/node';
import { encodeObj, encodePly, encodeStl } from './encode-mesh.js';
import type { Mesh } from './mesh.js';

/** Mesh file formats known to {@link writeMesh}. */
export type MeshFormat = 'stl' | 'ply' | 'obj';

/**
 * The format a path's suffix names (`.stl`, `.ply`, `.obj`, any case).
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} for any other suffix.
 */
export function meshFormatFromPath(path: string): MeshFormat {
  const m = /\.(stl|ply|obj)$/i.exec(path);
  if (!m) throw new InvalidArgumentError(`${path}: unknown mesh format, expected a file name ending in .stl, .ply or .obj`);
  return m[1].toLowerCase() as MeshFormat;
}

/** Encodes a mesh in the given format (see {@link encodeStl}, {@link encodePly}, {@link encodeObj}). */
export function encodeMesh(mesh: Mesh, format: MeshFormat): Uint8Array {
  if (format === 'stl') return encodeStl(mesh);
  if (format === 'ply') return encodePly(mesh);
  if (format === 'obj') return encodeObj(mesh);
  throw new InvalidArgumentError(`encodeMesh: format must be 'stl', 'ply' or 'obj', received ${String(format)}`);
}

/**
 * Writes a mesh as binary STL, binary PLY or OBJ chosen by the path's suffix. Atomic: the bytes go
 * to a temporary file in the same folder which is then renamed, so `path` is never half-written.
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} for an unknown suffix; {@link @raunet/core!FileAccessError | FileAccessError} (naming the file) when it cannot be written.
 * @example
 * ```ts
 * await writeMesh('out/lesion.ply', marchingCubes(mask, { smoothIterations: 10 }));
 * ```
 */
export async function writeMesh(path: string, mesh: Mesh): Promise<void> {
  await writeFileAtomic(path, encodeMesh(mesh, meshFormatFromPath(path)));
}
