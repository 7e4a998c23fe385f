export {
  NATIVE_KERNEL_NAMES,
  cpuPeakGflops,
  nativeKernelsStatus,
  registerNativeKernels,
  unregisterNativeKernels,
} from './register-native-kernels.js';
export type {
  NativeKernelName,
  NativeKernelsReport,
  RegisterNativeKernelsOptions,
} from './register-native-kernels.js';
export type { KernelCounters } from './internal/kernel-common.js';
export type { BufferPoolStats } from './internal/buffer-pool.js';
