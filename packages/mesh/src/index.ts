export { type Mesh, type MeshCheckResult, checkMesh, isClosedMesh, meshVolume, meshArea } from './mesh.js';
export { marchingCubes, type MarchingCubesOptions } from './marching-cubes.js';
export { smoothMesh, type SmoothMeshOptions } from './smooth-mesh.js';
export {
  labelComponents,
  meshComponents,
  type LabelComponentsOptions,
  type LabelComponentsResult,
  type MeshComponentsOptions,
} from './mesh-components.js';
export { encodeStl, encodePly, encodeObj } from './encode-mesh.js';
export { writeMesh, encodeMesh, meshFormatFromPath, type MeshFormat } from './write-mesh.js';
