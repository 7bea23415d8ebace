/** Browser-side preparation of each TensorFlow.js backend before `tf.setBackend`. */
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { BackendName } from '../shared/protocol';

let wasmPathsSet = false;

/** Throws with a user-readable reason when a backend cannot be used in this browser. */
export async function prepareBrowserBackend(name: BackendName): Promise<string> {
  switch (name) {
    case 'webgpu': {
      const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
      if (!gpu) throw new Error('this browser has no WebGPU (navigator.gpu is missing)');
      const adapter = await gpu.requestAdapter();
      if (!adapter) throw new Error('no WebGPU adapter is available');
      await import('@tensorflow/tfjs-backend-webgpu');
      // `adapter.info` is newer than the bundled @webgpu/types.
      const info = (adapter as GPUAdapter & { info?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean } }).info;
      return info ? [info.vendor, info.architecture, info.isFallbackAdapter ? 'fallback adapter' : ''].filter(Boolean).join(', ') : '';
    }
    case 'webgl':
      if (typeof OffscreenCanvas === 'undefined') throw new Error('OffscreenCanvas is missing, so WebGL cannot run in a worker');
      return 'WebGL2 on OffscreenCanvas';
    case 'wasm':
      if (!wasmPathsSet) {
        setWasmPaths({
          'tfjs-backend-wasm.wasm': wasmPlain,
          'tfjs-backend-wasm-simd.wasm': wasmSimd,
          'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
        });
        wasmPathsSet = true;
      }
      return self.crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated (no threads)';
    case 'cpu':
      return 'plain JavaScript';
  }
}

/**
 * Calls `onLost` once if the webgpu backend's device is lost (a driver reset, the GPU process gone, or
 * `device.destroy()`); returns a promise that settles with the loss, for code that must tell a lost device from
 * an ordinary failure. Null when the current backend is not webgpu.
 */
export function watchDeviceLoss(onLost: (info: { reason: string; message: string }) => void): Promise<{ reason: string; message: string }> | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const device = (tf.backend() as WebGPUBackend).device;
  return device.lost.then((info) => {
    const loss = { reason: info.reason ?? 'unknown', message: info.message || 'no message' };
    onLost(loss);
    return loss;
  });
}

/** Destroys the webgpu backend's device (the fault tests' stand-in for a driver reset). */
export function destroyDevice(): void {
  if (tf.getBackend() !== 'webgpu') throw new Error(`The backend is ${tf.getBackend()}, not webgpu: there is no device to lose.`);
  (tf.backend() as WebGPUBackend).device.destroy();
}
