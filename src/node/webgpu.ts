/**
 * WebGPU in Node: the optional `webgpu` package (Dawn, prebuilt) provides `navigator.gpu`, then TensorFlow.js's
 * webgpu backend registers itself (it does so only if navigator.gpu exists when it is imported). Dawn needs a
 * Vulkan loader (libvulkan.so.1) and a driver: a GPU vendor's, or SwiftShader's software one
 * (VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json, with Chromium's loader on LD_LIBRARY_PATH).
 */

/** The adapter as `backendDetail` names it: vendor, architecture, device, driver, and "fallback adapter" if so. */
export interface NodeWebGpu {
  detail: string;
  /** A fallback (software) adapter, or one named like a software rasteriser. */
  software: boolean;
}

interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

let loaded: Promise<NodeWebGpu> | null = null;

/** Loads the package and the backend once; throws a one-line reason when either is missing or no adapter is found. */
export function loadNodeWebGpu(): Promise<NodeWebGpu> {
  loaded ??= load();
  return loaded;
}

async function load(): Promise<NodeWebGpu> {
  const mod = (await import(/* @vite-ignore */ 'webgpu' as string).catch((e: unknown) => {
    // Installed but unloadable (e.g. no prebuilt binary for this platform) is not the same as absent.
    const msg = e instanceof Error ? e.message : String(e);
    if (/Cannot find (package|module) 'webgpu'/.test(msg)) return null;
    throw new Error(`the optional 'webgpu' package is installed but did not load: ${msg.split('\n')[0]}`);
  })) as { create?: (flags: string[]) => unknown; globals?: object } | null;
  if (!mod?.create) throw new Error("WebGPU in Node needs the optional 'webgpu' package (npm install webgpu), which is not installed");
  Object.assign(globalThis, mod.globals ?? {});
  // Node 20 has no global navigator (Node 21+ has one without gpu).
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  if (!g.navigator!.gpu) Object.defineProperty(g.navigator, 'gpu', { value: mod.create([]), configurable: true });
  const gpu = g.navigator!.gpu as { requestAdapter(): Promise<{ info?: AdapterInfo } | null> };
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new Error(
      "the 'webgpu' package found no WebGPU adapter: it needs a Vulkan loader (libvulkan.so.1) and a driver " +
        '(a GPU vendor’s, or SwiftShader’s: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium)',
    );
  }
  await import('@tensorflow/tfjs-backend-webgpu');
  const info = adapter.info ?? {};
  const detail = [info.vendor, info.architecture, info.device, info.description, info.isFallbackAdapter ? 'fallback adapter' : ''].filter(Boolean).join(', ');
  return { detail, software: Boolean(info.isFallbackAdapter) || /swiftshader|llvmpipe|lavapipe|warp/i.test(detail) };
}
