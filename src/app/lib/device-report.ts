/**
 * The device report ("Copy device report" in the Device section, and `window.__distillDeviceReport()`): what a
 * user with another device can send back. The WebGPU adapter's info, every backend with Auto's figure or why it
 * has none, cores, the user agent, and the page benchmark's figures (`npm run bench:page`'s shape) when measured
 * in this page (`window.__distillBench`).
 */
import type { BackendReport, BenchCaseResult } from '../../shared/protocol';

export const DEVICE_REPORT_VERSION = 1;

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean | null;
}

export interface DeviceReport {
  kind: 'distill-playground device report';
  version: typeof DEVICE_REPORT_VERSION;
  app: string;
  createdAt: string;
  userAgent: string;
  cores: number;
  /** navigator.deviceMemory (GiB, rounded by the browser) where the browser tells it. */
  deviceMemoryGiB: number | null;
  crossOriginIsolated: boolean;
  /** The WebGPU adapter (null: no WebGPU, or no adapter), or why it is null. */
  webgpu: { adapter: AdapterInfo | null; note?: string };
  /** The backend in use and how it was chosen. */
  backend: { name: string; detail: string; chosenBy: 'auto (measured)' | 'auto (kept by this browser)' | 'forced' } | null;
  /** Every backend Auto considered: its probe figure (ms per iteration of the probe), or why it could not run. */
  backends: { backend: string; msPerIteration: number | null; overBudget: boolean; detail: string | null; reason: string | null }[];
  probe: BackendReport['probe'] | null;
  /** The page benchmark, per backend, when measured in this page. */
  bench: { backend: string; cases: BenchCaseResult[] }[];
}

/** The page benchmark's results of this page, per backend (the latest per backend). */
const benchRuns = new Map<string, BenchCaseResult[]>();

export function recordBench(backend: string, cases: BenchCaseResult[]): void {
  benchRuns.set(backend, cases);
}

export async function adapterInfo(): Promise<DeviceReport['webgpu']> {
  // `adapter.info` is newer than the bundled @webgpu/types.
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: Partial<AdapterInfo> } | null> } }).gpu;
  if (!gpu) return { adapter: null, note: 'this browser has no WebGPU (navigator.gpu is missing)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { adapter: null, note: 'no WebGPU adapter is available' };
    const i = adapter.info ?? {};
    return {
      adapter: {
        vendor: i.vendor ?? '',
        architecture: i.architecture ?? '',
        device: i.device ?? '',
        description: i.description ?? '',
        isFallbackAdapter: typeof i.isFallbackAdapter === 'boolean' ? i.isFallbackAdapter : null,
      },
    };
  } catch (err) {
    return { adapter: null, note: `requestAdapter failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** The report from the backend report (null before one), the adapter and this page's bench runs. */
export function buildDeviceReport(app: string, backend: BackendReport | null, webgpu: DeviceReport['webgpu']): DeviceReport {
  const probe = backend?.probe ?? null;
  const backends: DeviceReport['backends'] = probe
    ? probe.results.map((r) => ({
        backend: r.backend,
        msPerIteration: r.msPerIteration ?? null,
        overBudget: r.overBudget ?? false,
        detail: r.detail ?? null,
        reason: r.reason ?? null,
      }))
    : backend
      ? [
          { backend: backend.backend, msPerIteration: null, overBudget: false, detail: backend.detail || null, reason: 'forced: not measured' },
          ...backend.skipped.map((s) => ({ backend: s.backend, msPerIteration: null, overBudget: false, detail: null, reason: s.reason })),
        ]
      : [];
  const nav = navigator as Navigator & { deviceMemory?: number };
  return {
    kind: 'distill-playground device report',
    version: DEVICE_REPORT_VERSION,
    app,
    createdAt: new Date().toISOString(),
    userAgent: navigator.userAgent,
    cores: navigator.hardwareConcurrency,
    deviceMemoryGiB: typeof nav.deviceMemory === 'number' ? nav.deviceMemory : null,
    crossOriginIsolated: typeof crossOriginIsolated === 'boolean' ? crossOriginIsolated : false,
    webgpu,
    backend: backend
      ? { name: backend.backend, detail: backend.detail, chosenBy: probe ? (probe.cached ? 'auto (kept by this browser)' : 'auto (measured)') : 'forced' }
      : null,
    backends,
    probe,
    bench: [...benchRuns].map(([b, cases]) => ({ backend: b, cases })),
  };
}
