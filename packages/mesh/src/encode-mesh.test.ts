import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVolume, FileAccessError, InvalidArgumentError } from '@raunet/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeObj, encodePly, encodeStl } from './encode-mesh.js';
import { marchingCubes } from './marching-cubes.js';
import { checkMesh, meshVolume, type Mesh } from './mesh.js';
import { writeMesh } from './write-mesh.js';

// Independent little parsers: they know the formats, not the writer.
function parseStl(bytes: Uint8Array) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = new TextDecoder().decode(bytes.subarray(0, 80));
  const n = v.getUint32(80, true);
  const tris: { normal: number[]; v: number[][]; attr: number }[] = [];
  for (let t = 0; t < n; t++) {
    const o = 84 + 50 * t;
    const f = (k: number) => v.getFloat32(o + 4 * k, true);
    tris.push({ normal: [f(0), f(1), f(2)], v: [[f(3), f(4), f(5)], [f(6), f(7), f(8)], [f(9), f(10), f(11)]], attr: v.getUint16(o + 48, true) });
  }
  return { header, n, tris };
}

function parsePly(bytes: Uint8Array) {
  const text = new TextDecoder('latin1').decode(bytes);
  const end = text.indexOf('end_header\n') + 'end_header\n'.length;
  const lines = text.slice(0, end).trim().split('\n');
  const nv = Number(/element vertex (\d+)/.exec(text.slice(0, end))![1]);
  const nf = Number(/element face (\d+)/.exec(text.slice(0, end))![1]);
  const v = new DataView(bytes.buffer, bytes.byteOffset + end, bytes.byteLength - end);
  const positions: number[] = [];
  for (let i = 0; i < nv * 3; i++) positions.push(v.getFloat32(4 * i, true));
  const faces: number[][] = [];
  let o = nv * 12;
  for (let f = 0; f < nf; f++) {
    const k = v.getUint8(o);
    faces.push(Array.from({ length: k }, (_, i) => v.getUint32(o + 1 + 4 * i, true)));
    o += 1 + 4 * k;
  }
  return { lines, nv, nf, positions, faces, rest: v.byteLength - o };
}

function parseObj(text: string) {
  const verts: number[][] = [];
  const faces: number[][] = [];
  for (const line of text.split('\n')) {
    const [kind, ...rest] = line.trim().split(/\s+/);
    if (kind === 'v') verts.push(rest.map(Number));
    if (kind === 'f') faces.push(rest.map((s) => Number(s.split('/')[0]) - 1));
  }
  return { verts, faces };
}

function sampleMesh(): Mesh {
  const data = new Uint8Array(5 * 4 * 3);
  data[1 + 5 * (1 + 4 * 1)] = 1;
  data[2 + 5 * (1 + 4 * 1)] = 1;
  data[2 + 5 * (2 + 4 * 1)] = 1;
  const affine = [
    [-0.8, 0, 0, 100.25],
    [0, -0.8, 0, -50],
    [0, 0, 2.5, -300],
    [0, 0, 0, 1],
  ];
  return marchingCubes(createVolume({ data, dims: [5, 4, 3], affine }));
}

describe('mesh writers', () => {
  const mesh = sampleMesh();
  const nv = mesh.positions.length / 3;
  const nf = mesh.indices.length / 3;

  it('binary STL: 80-byte header, count, 50 bytes per triangle with unit outward normals', () => {
    const bytes = encodeStl(mesh);
    expect(bytes.length).toBe(84 + 50 * nf);
    const stl = parseStl(bytes);
    expect(stl.header.startsWith('solid')).toBe(false);
    expect(stl.header).toContain('SPACE=RAS');
    expect(stl.n).toBe(nf);
    let signed = 0;
    stl.tris.forEach((t, i) => {
      for (let k = 0; k < 3; k++) {
        const vi = mesh.indices[3 * i + k];
        expect(t.v[k]).toEqual(Array.from(mesh.positions.subarray(vi * 3, vi * 3 + 3)));
      }
      expect(Math.hypot(...t.normal)).toBeCloseTo(1, 5);
      expect(t.attr).toBe(0);
      // Normal agrees with the right-hand rule of the stored vertex order.
      const [a, b, c] = t.v;
      const u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
      const w = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
      const cross = [u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2], u[0] * w[1] - u[1] * w[0]];
      expect(cross[0] * t.normal[0] + cross[1] * t.normal[1] + cross[2] * t.normal[2]).toBeGreaterThan(0);
      signed += a[0] * cross[0] + a[1] * cross[1] + a[2] * cross[2];
    });
    expect(signed / 6).toBeCloseTo(meshVolume(mesh), 3);
  });

  it('binary little-endian PLY: header, 12 bytes per vertex, 13 per face, nothing after', () => {
    const ply = parsePly(encodePly(mesh));
    expect(ply.lines[0]).toBe('ply');
    expect(ply.lines[1]).toBe('format binary_little_endian 1.0');
    expect(ply.lines).toContain('property list uchar uint vertex_indices');
    expect(ply.lines).toContain('property float x');
    expect(ply.nv).toBe(nv);
    expect(ply.nf).toBe(nf);
    expect(ply.rest).toBe(0);
    expect(ply.positions).toEqual(Array.from(mesh.positions));
    expect(ply.faces.flat()).toEqual(Array.from(mesh.indices));
  });

  it('OBJ: v lines in mm and 1-based f lines', () => {
    const obj = parseObj(new TextDecoder().decode(encodeObj(mesh)));
    expect(obj.verts).toHaveLength(nv);
    expect(obj.faces.flat()).toEqual(Array.from(mesh.indices));
    obj.verts.forEach((p, i) => {
      for (let k = 0; k < 3; k++) expect(p[k]).toBeCloseTo(mesh.positions[3 * i + k], 4);
    });
    const back: Mesh = { positions: Float32Array.from(obj.verts.flat()), indices: Uint32Array.from(obj.faces.flat()) };
    expect(checkMesh(back).closed).toBe(true);
    expect(meshVolume(back)).toBeCloseTo(meshVolume(mesh), 3);
  });

  describe('writeMesh', () => {
    let dir = '';
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'raunet-mesh-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('chooses the format by suffix and leaves no temporary file', async () => {
      await writeMesh(join(dir, 'a.stl'), mesh);
      await writeMesh(join(dir, 'b.PLY'), mesh);
      await writeMesh(join(dir, 'c.obj'), mesh);
      expect((await readdir(dir)).sort()).toEqual(['a.stl', 'b.PLY', 'c.obj']);
      expect(new Uint8Array(await readFile(join(dir, 'a.stl')))).toEqual(encodeStl(mesh));
      expect(new Uint8Array(await readFile(join(dir, 'b.PLY')))).toEqual(encodePly(mesh));
      expect(new Uint8Array(await readFile(join(dir, 'c.obj')))).toEqual(encodeObj(mesh));
    });

    it('rejects unknown suffixes and unwritable places without leaving files', async () => {
      await expect(writeMesh(join(dir, 'x.vtk'), mesh)).rejects.toThrow(InvalidArgumentError);
      const missing = join(dir, 'no', 'such', 'dir', 'x.stl');
      const error: unknown = await writeMesh(missing, mesh).catch((e: unknown) => e);
      expect(FileAccessError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain(missing);
      expect(existsSync(missing)).toBe(false);
      expect((await readdir(dir)).filter((f) => f.includes('x.'))).toEqual([]);
    });
  });
});
