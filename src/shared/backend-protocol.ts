/** The backend part of the worker boundary (src/shared/protocol.ts): which backend runs and why, Auto's probe, the page benchmark. */
import type { MethodId } from './methods';
import type { RunConfig } from './run-config';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;
export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** Which backend runs, and why the better ones were skipped. */
export interface BackendReport {
  backend: BackendName;
  /** Backends tried before the chosen one, with the reason each was not used. */
  skipped: { backend: BackendName; reason: string }[];
  /** Milliseconds the smoke test of the methods' ops took on the chosen backend (includes shader compilation). */
  smokeMs: number;
  /** Free text about the device, e.g. the WebGPU adapter ("swiftshader, fallback"). */
  detail: string;
  /** Bytes a run may use on this backend (shared/memory.ts backendMemoryBudget), for the pre-run memory check. */
  memoryBudget: number;
  /** Auto's measurement (core/probe.ts): every backend's figure or why it has none; absent for a forced backend. */
  probe?: ProbeReport;
}

/** The probe's workload size: the run's image shape, network width and depth, and method (absent: 'dm'). */
export interface ProbeShape {
  input: [number, number, number];
  width: number;
  depth: number;
  method?: MethodId;
}

/** What Auto measured: a step of the run's method per backend (warm-up left out), and which it chose. */
export interface ProbeReport {
  /** The cache key: device (adapter, cores) and the probe's shape class. */
  key: string;
  shape: ProbeShape;
  chosen: BackendName;
  /** In the order probed. */
  results: {
    backend: BackendName;
    /** Mean ms per timed step (or the warm-up's, when `timed` is 0); absent when it did not run. */
    msPerIteration?: number;
    warmupMs?: number;
    /** The quick ranking test: one 256² matmul, ms (absent when the backend did not start). */
    quickMs?: number;
    /** Timed steps (0: only the warm-up ran within the budget). */
    timed?: number;
    /**
     * The budget ran out during a timed step: msPerIteration is how long that step had run when the probe stopped
     * waiting (a lower bound: "> N s/it"). With `timed` 0, the warm-up ran past the budget and msPerIteration is
     * its time so far (shader compilation included).
     */
    overBudget?: boolean;
    /** E.g. "SIMD, 2 threads" or "software adapter". */
    detail?: string;
    /** Why it has no figure (smoke test failed, budget spent). */
    reason?: string;
  }[];
  /** Milliseconds the smoke tests and probes took in all. */
  totalMs: number;
  /** When it was measured (ISO time). */
  measuredAt: string;
  /** True when this report came from the page's cache, not a new measurement. */
  cached?: boolean;
}

/** One case of the page benchmark (core/run/bench.ts): a run config's settings, warm-up and timed iterations. */
export interface BenchCase {
  name: string;
  config: Partial<RunConfig>;
  warmup: number;
  iterations: number;
}

/** What one bench case measured on the current backend (or why it could not run). */
export interface BenchCaseResult {
  name: string;
  backend: string;
  config: RunConfig;
  warmup: number;
  /** Median ms of the timed iterations (refresh, step and the loss's read). */
  msPerIteration?: number;
  ms?: number[];
  warmupMs?: number[];
  /** ms of the run's preparation (initial set; MTT's experts), not counted above. */
  prepareMs?: number;
  /** Per timed iteration: host-to-device uploads, their bytes, and device-to-host reads. */
  perIteration?: { uploads: number; uploadBytes: number; reads: number };
  error?: string;
}

/** Options of initBackend: the probe's shape, cached probes, and whether to measure again. */
export interface BackendOptions {
  probe?: ProbeShape;
  /** Probes this browser measured before (the worker uses one whose key matches). */
  cached?: ProbeReport[];
  /** Ignore the cache and measure. */
  remeasure?: boolean;
}
