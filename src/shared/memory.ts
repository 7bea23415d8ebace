/**
 * Memory a run will need, estimated before it starts (plain arithmetic: the UI, the worker and the CLI share
 * it), and the check that refuses a run that would not fit. Two methods hold memory that grows with their
 * settings: MTT keeps every student step's graph until the outer gradient, and KRR the whole synthetic set's
 * graph under each of its networks (its kernel couples every synthetic image with every other).
 */
import { KRR_NETWORKS, mttSettings, type MttSettings } from './methods';

/** A ConvNet's shape as the estimate needs it. */
export interface NetSize {
  input: readonly [number, number, number];
  classes: number;
  width: number;
  depth: number;
}

/** Floats of the conv outputs of one image's forward pass (ConvNet-3: 28x28 inputs are padded to 32x32). */
export function convActivations(net: NetSize): number {
  let side = net.input[0] === 28 ? 32 : net.input[0];
  let total = 0;
  for (let i = 0; i < net.depth; i++) {
    total += side * side * net.width;
    side = Math.floor(side / 2);
  }
  return total;
}

/** Number of parameters of the ConvNet. */
export function convParameters(net: NetSize): number {
  let inC = net.input[2];
  let total = 0;
  for (let i = 0; i < net.depth; i++) {
    total += 9 * inC * net.width + 3 * net.width;
    inC = net.width;
  }
  let side = net.input[0] === 28 ? 32 : net.input[0];
  for (let i = 0; i < net.depth; i++) side = Math.floor(side / 2);
  return total + (side * side * net.width + 1) * net.classes;
}

/**
 * Bytes the backend holds at the peak of one MTT iteration per conv-output float of one student step:
 * measured with tf.profile's peakBytes on cpu at widths 8-32, N 2-4, 10-20 images (157-164; the layers keep
 * every intermediate of the forward pass, its gradient and the outer gradient's). The test in
 * mtt.test.ts re-measures it.
 */
export const MTT_BYTES_PER_ACTIVATION = 4 * 165;

export interface MttSize {
  syntheticSteps: number;
  /** Images per student step. */
  batch: number;
  experts: number;
  /** Snapshots kept per expert (epochs + 1). */
  snapshots: number;
}

/** Estimated peak bytes of an MTT run: the student steps' graphs plus the stored expert trajectories. */
export function estimateMttBytes(net: NetSize, m: MttSize): number {
  const steps = m.syntheticSteps * m.batch * convActivations(net) * MTT_BYTES_PER_ACTIVATION;
  const trajectories = m.experts * m.snapshots * convParameters(net) * 4;
  return steps + trajectories;
}

/**
 * KRR's peak bytes per conv-output float (one image's forward pass, `convActivations`): of one synthetic image
 * under one network while the images' gradient is computed, and of one real image while the real batch's
 * features are (one network at a time, no gradient). Measured with tf.profile's peakBytes on cpu at widths
 * 8-32, 2-5 images per class, 4-64 real per class (59-62 and 22); krr.test.ts re-measures both.
 */
export const KRR_BYTES_PER_SYNTHETIC_ACTIVATION = 62;
export const KRR_BYTES_PER_REAL_ACTIVATION = 22;

export interface KrrSize {
  networks: number;
  synthetic: number;
  real: number;
}

/** Estimated peak bytes of a KRR iteration: the larger of its two phases (the real features, then the gradient). */
export function estimateKrrBytes(net: NetSize, k: KrrSize): number {
  const act = convActivations(net);
  return Math.max(k.networks * k.synthetic * act * KRR_BYTES_PER_SYNTHETIC_ACTIVATION, k.real * act * KRR_BYTES_PER_REAL_ACTIVATION);
}

/** "1.2 GiB", "340 MiB". */
export function formatBytes(bytes: number): string {
  const mib = bytes / 2 ** 20;
  return mib >= 1024 ? `${(mib / 1024).toFixed(1)} GiB` : `${Math.max(1, Math.round(mib))} MiB`;
}

/** What to lower when a method's run does not fit, for the refusal and the estimate under the settings. */
export const MEMORY_ADVICE: Record<string, string> = {
  mtt: 'Lower the student steps (N), the synthetic images per step, the images per class or the network width.',
  krr: 'Lower the images per class, the real images per class or the network width.',
};

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
 * (DM and DC hold one class's graph at a time).
 */
export function estimateRunBytes(
  config: { method: string; ipc: number; width: number; depth: number; realPerClass: number; mtt?: Partial<MttSettings> },
  input: readonly [number, number, number],
  classes: number,
): number | null {
  const net = { input, classes, width: config.width, depth: config.depth };
  if (config.method === 'krr') return estimateKrrBytes(net, { networks: KRR_NETWORKS, synthetic: classes * config.ipc, real: classes * config.realPerClass });
  if (config.method !== 'mtt') return null;
  const m = mttSettings(config);
  const n = classes * config.ipc;
  return estimateMttBytes(
    net,
    {
      syntheticSteps: m.syntheticSteps,
      batch: m.batchSyn > 0 ? Math.min(m.batchSyn, n) : n,
      experts: m.experts,
      snapshots: m.maxStartEpoch + m.expertEpochs + 1,
    },
  );
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
