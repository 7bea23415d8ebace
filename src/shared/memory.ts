/**
 * Memory a run will need, estimated before it starts (plain arithmetic: the UI, the worker and the CLI share
 * it), and the check that refuses a run that would not fit. A method whose memory grows with its settings gives
 * its own estimate in its descriptor (src/shared/method-info/<id>.ts: estimateBytes, memoryAdvice).
 */
import { METHOD_IDS, methodInfo, type MethodId } from './methods';
import type { RunConfig } from './protocol';

export { convActivations, convParameters, type NetSize } from './net-size';
export { estimateMttBytes, MTT_BYTES_PER_ACTIVATION, type MttSize } from './method-info/mtt';
export { estimateKrrBytes, KRR_BYTES_PER_REAL_ACTIVATION, KRR_BYTES_PER_SYNTHETIC_ACTIVATION, type KrrSize } from './method-info/krr';

/** "1.2 GiB", "340 MiB". */
export function formatBytes(bytes: number): string {
  const mib = bytes / 2 ** 20;
  return mib >= 1024 ? `${(mib / 1024).toFixed(1)} GiB` : `${Math.max(1, Math.round(mib))} MiB`;
}

/** What to lower when a method's run does not fit, for the refusal and the estimate under the settings (from each descriptor). */
export const MEMORY_ADVICE: Record<string, string> = Object.fromEntries(
  METHOD_IDS.flatMap((id) => {
    const advice = methodInfo(id).memoryAdvice;
    return advice ? [[id, advice]] : [];
  }),
);

/**
 * The refusal message when `needed` exceeds what `backend` offers (`budget` bytes), else null. Names what to
 * lower, so the user can fix the config without guessing.
 */
export function memoryRefusal(needed: number, budget: number, backend: string, method: string): string | null {
  if (needed <= budget) return null;
  return (
    `This ${method.toUpperCase()} run needs about ${formatBytes(needed)} of memory; the ${backend} backend offers about ${formatBytes(budget)}. ` +
    (MEMORY_ADVICE[method] ?? 'Lower the images per class or the network width.')
  );
}

/**
 * What a backend offers, in bytes: wasm's heap stops at 4 GiB (tfjs-backend-wasm's getHeapMax), of which we
 * count three quarters (fragmentation, the runtime's own use); the others share the machine's memory
 * (`deviceGiB`: navigator.deviceMemory in a browser, which Chromium caps at 8; total memory in Node), of
 * which we count half.
 */
export function backendMemoryBudget(backend: string, deviceGiB: number | undefined): number {
  if (backend === 'wasm') return 3 * 2 ** 30;
  return ((deviceGiB ?? 4) / 2) * 2 ** 30;
}

/**
 * The estimate shown before a run, or null for methods whose memory does not grow with their settings
 * (DM and DC hold one class's graph at a time): the method's descriptor says (estimateBytes).
 */
export function estimateRunBytes(
  config: Pick<RunConfig, 'ipc' | 'width' | 'depth' | 'realPerClass'> & Partial<RunConfig> & { method: MethodId },
  input: readonly [number, number, number],
  classes: number,
): number | null {
  const estimate = methodInfo(config.method).estimateBytes;
  return estimate ? estimate(config as RunConfig, { input, classes, width: config.width, depth: config.depth }) : null;
}

/**
 * Where real batches come from (an engine option, not part of a run's config or link):
 *   auto  the dataset resident on the device on webgpu and webgl when it fits, host batches on cpu and wasm;
 *   on    resident on any backend when it fits (cpu and wasm too: the same bytes, less JavaScript per batch);
 *   off   host batches: every batch normalised in JavaScript and uploaded (the path before issue 15).
 */
export type ResidentMode = 'auto' | 'on' | 'off';
export const RESIDENT_MODES: readonly ResidentMode[] = ['auto', 'on', 'off'];

/** Bytes of a training set resident on the device: every image as float32 (count x height x width x channels x 4). */
export function residentDataBytes(count: number, shape: readonly [number, number, number]): number {
  return count * shape[0] * shape[1] * shape[2] * 4;
}

/** Whether a run keeps its dataset on the device, what that costs, and why (shown in the status and records). */
export interface Residency {
  resident: boolean;
  /** Bytes of the resident copy (float32 images), whether or not it was made. */
  bytes: number;
  reason: string;
}

/**
 * The residency decision: `bytes` is the resident copy (src/core/data/batches.ts residentBytes), `runBytes` the
 * run's own estimate (estimateRunBytes; null counts as 0), `budget` what the backend offers.
 */
export function chooseResidency(mode: ResidentMode, backend: string, bytes: number, runBytes: number | null, budget: number): Residency {
  const size = formatBytes(bytes);
  if (mode === 'off') return { resident: false, bytes, reason: `host batches (resident data off; it would take ${size})` };
  if (mode === 'auto' && backend !== 'webgpu' && backend !== 'webgl') {
    return { resident: false, bytes, reason: `host batches (the default on ${backend}; resident would take ${size})` };
  }
  const total = bytes + (runBytes ?? 0);
  if (total > budget) {
    return {
      resident: false,
      bytes,
      reason: `host batches: the dataset on the device (${size}) and the run would need about ${formatBytes(total)}; ${backend} offers about ${formatBytes(budget)}`,
    };
  }
  return { resident: true, bytes, reason: `dataset resident on the device (${size}); batches gathered there` };
}
