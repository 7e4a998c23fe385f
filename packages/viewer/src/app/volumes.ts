import { assertSameGrid, InvalidArgumentError, type Volume } from '@raunet/core';
import { decodeNifti } from '@raunet/io';

/** A volume decoded from NIfTI bytes, with the bytes kept for NiiVue. */
export interface LoadedVolume {
  /** File or URL name (NiiVue tells .nii from .nii.gz by it). */
  name: string;
  /** The bytes as read. */
  bytes: Uint8Array;
  /** The decoded volume. */
  volume: Volume;
}

/** Fetches a file of the page's server; a failed request names the URL and the HTTP status. */
export async function fetchBytes(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new InvalidArgumentError(`${url}: cannot fetch (${(error as Error).message}); is the 'raunet view' server still running?`, { cause: error });
  }
  if (!response.ok) throw new InvalidArgumentError(`${url}: HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** The file name of a URL or path (for messages and for NiiVue). */
export function baseName(url: string): string {
  return decodeURIComponent(url.split(/[/\\]/).pop() ?? url);
}

/**
 * Decodes NIfTI bytes into a 3D volume: not NIfTI, corrupt, or 4D data (more than one volume) is a
 * typed error naming the file.
 */
export function decode3d(bytes: Uint8Array, name: string): Volume {
  const volume = decodeNifti(bytes, { name });
  const extra = volume.dims.slice(3);
  if (extra.some((d) => d !== 1)) {
    throw new InvalidArgumentError(`${name}: a ${volume.dims.length}D file (dims [${volume.dims.join(', ')}]); the viewer shows 3D volumes (one time point, one channel)`);
  }
  if ((volume.components ?? 1) !== 1) throw new InvalidArgumentError(`${name}: ${volume.components} values per voxel (RGB or complex data); the viewer shows scalar CT volumes`);
  return volume;
}

/** Loads and decodes one NIfTI of the server. */
export async function loadVolume(url: string): Promise<LoadedVolume> {
  const bytes = await fetchBytes(url);
  const name = baseName(url);
  return { name, bytes, volume: decode3d(bytes, name) };
}

/** Throws a message naming both files when an overlay is not on the CT's grid. */
export function assertOnGrid(ct: LoadedVolume, overlay: LoadedVolume, role: string): void {
  try {
    assertSameGrid(ct.volume, overlay.volume, `${role} ${overlay.name} and CT ${ct.name}`);
  } catch (error) {
    throw new InvalidArgumentError(`the ${role} is not on the CT's grid: ${(error as Error).message}`, { cause: error });
  }
}
