/** Browser-side preparation of each TensorFlow.js backend before `tf.setBackend`. */
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { BackendName } from '../shared/protocol';
import { wasmThreadsFor } from '../core/backend';

let wasmPathsSet = false;

/**
 * The WebGPU adapter as Auto's probe cache knows the device: vendor, architecture, and 'fallback adapter' when it
 * is one; '' without WebGPU.
 */
export async function adapterDescription(): Promise<string> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  if (!adapter) return '';
  const info = (adapter as GPUAdapter & { info?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean } }).info;
  return info ? [info.vendor, info.architecture, info.isFallbackAdapter ? 'fallback adapter' : ''].filter(Boolean).join(', ') : 'WebGPU adapter';
}

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
      if (!self.crossOriginIsolated) return 'not cross-origin isolated (no threads)';
      await startThreadedWasm(wasmThreadsFor(navigator.hardwareConcurrency));
      return 'cross-origin isolated';
    case 'cpu':
      return 'plain JavaScript';
  }
}

/**
 * Starts the threaded wasm build with `threads` threads. Its C side caps the pool at half of
 * navigator.hardwareConcurrency (one thread on a 2-core machine, leaving a core idle while the page's thread
 * mostly waits), so the worker's navigator reports twice `threads` while the module initialises.
 */
async function startThreadedWasm(threads: number): Promise<void> {
  setThreadsCount(threads);
  Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  try {
    await tf.setBackend('wasm');
  } finally {
    // Back to WorkerNavigator's own getter.
    delete (navigator as { hardwareConcurrency?: number }).hardwareConcurrency;
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
