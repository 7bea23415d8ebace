/** Auto's probe, the parts the page needs too (no TensorFlow.js): its size, cache key, order, summary and ETA. */
import type { BackendName, ProbeReport, ProbeShape, RunConfig } from './protocol';
import { MTT_SETTINGS_DEFAULTS, mttSettings, type MethodId, type MttSettings } from './methods';
import { dcLoops } from './dc-loops';

/** The probe's problem: 10 classes, PROBE_REAL real and PROBE_IPC synthetic images per class. */
export const PROBE_CLASSES = 10;
export const PROBE_REAL = 16;
export const PROBE_IPC = 1;
/** Timed steps after the warm-up. */
export const PROBE_STEPS = 2;
/** MTT's probe: the default synthetic steps and batch, one short expert on the probe's images (preparation, not timed). */
export const PROBE_MTT: MttSettings = { ...MTT_SETTINGS_DEFAULTS, experts: 1, expertEpochs: 1, maxStartEpoch: 1, expertImagesPerEpoch: PROBE_CLASSES * PROBE_REAL };
/** The whole probe's budget (all backends), milliseconds. */
export const PROBE_BUDGET_MS = 5000;

/** The probe's shape class: what the cache is keyed by besides the device (image size, channels, width, depth). */
export function probeShapeClass(shape: ProbeShape): string {
  const [h, w, c] = shape.input;
  return `${shape.method ?? 'dm'} ${h}x${w}x${c} width ${shape.width} depth ${shape.depth}`;
}

/** The cache key of a probe: the device (adapter description, logical cores) and the probe's shape class. */
export function probeKey(device: string, cores: number, shape: ProbeShape): string {
  return `${device} | ${cores} cores | ${probeShapeClass(shape)}`;
}

/** A WebGPU adapter that is software (reports itself as a fallback adapter, or names a software rasteriser). */
export function isSoftwareAdapter(detail: string): boolean {
  return /fallback|swiftshader|llvmpipe|lavapipe|warp/i.test(detail);
}

/** A probe figure: "0.54 s/it", "9.8 s/it", "70 s/it". */
export function probeFigure(ms: number): string {
  return `${ms >= 10_000 ? (ms / 1000).toFixed(0) : (ms / 1000).toPrecision(2)} s/it`;
}

type ProbeResult = ProbeReport['results'][number];

/**
 * One backend's figure: "0.54 s/it"; "> 3.1 s/it" when a timed step ran past the budget; "warm-up > 3.1 s" when
 * the warm-up (shader compilation included) did; null when it has none (failed, or not timed).
 */
export function resultFigure(r: ProbeResult): string | null {
  if (r.msPerIteration === undefined) return null;
  if (r.overBudget) return r.timed ? `> ${probeFigure(r.msPerIteration)}` : `warm-up > ${probeFigure(r.msPerIteration).replace(' s/it', ' s')}`;
  return `${probeFigure(r.msPerIteration)}${r.timed === 0 ? ' (warm-up only)' : ''}`;
}

/** Why a backend has no figure, in a few words for the one-line summary (the Device section has the whole reason). */
function notTimedWhy(reason: string): string {
  if (/synchronously/.test(reason)) return ' (predicted too slow)';
  if (/smoke test .*ran past/.test(reason)) return ' (compiling past the budget)';
  if (/budget/.test(reason)) return ' (budget spent)';
  if (/× the fastest/.test(reason)) return ' (far slower matmul)';
  return '';
}

/** One line: the chosen backend's figure, then the others' (or why they have none). */
export function probeSummary(probe: ProbeReport): string {
  const label = (r: ProbeResult) => `${r.backend}${r.detail ? ` (${r.detail})` : ''}`;
  const chosen = probe.results.find((r) => r.backend === probe.chosen);
  const others = probe.results
    .filter((r) => r.backend !== probe.chosen)
    .map((r) => `${label(r)} ${resultFigure(r) ?? (r.reason?.startsWith('failed') ? 'failed' : `not timed${notTimedWhy(r.reason ?? '')}`)}`);
  const figure = chosen && resultFigure(chosen);
  const head = chosen ? `${label(chosen)}${figure ? `: ${figure}` : ''}` : probe.chosen;
  return [head, others.join(', ')].filter(Boolean).join('; ');
}

/** Order of the probe: hardware WebGPU first, a software (fallback) adapter last. */
export function probeOrder(order: readonly BackendName[], webgpuIsSoftware: boolean): BackendName[] {
  if (!webgpuIsSoftware || !order.includes('webgpu')) return [...order];
  return [...order.filter((b) => b !== 'webgpu'), 'webgpu'];
}

/**
 * How much more work one iteration of `run` is than one probe step of the same method (a rough model: the real and
 * synthetic images each step handles; DC's outer loops; MTT's unrolled synthetic steps and their batch).
 */
export function probeScale(run: Pick<RunConfig, 'method' | 'ipc' | 'realPerClass' | 'mtt'>): number {
  const images = (run.realPerClass + run.ipc) / (PROBE_REAL + PROBE_IPC);
  switch (run.method) {
    case 'dc':
      return images * (dcLoops(run.ipc).outer / dcLoops(PROBE_IPC).outer);
    case 'mtt': {
      const m = mttSettings(run);
      const batch = (s: MttSettings, ipc: number) => (s.batchSyn > 0 ? Math.min(s.batchSyn, PROBE_CLASSES * ipc) : PROBE_CLASSES * ipc);
      return (m.syntheticSteps * batch(m, run.ipc)) / (PROBE_MTT.syntheticSteps * batch(PROBE_MTT, PROBE_IPC));
    }
    default:
      return images;
  }
}

/** The method a probe timed (probes kept from before the method was recorded timed DM). */
export function probeMethod(probe: Pick<ProbeReport, 'shape'>): MethodId {
  return probe.shape.method ?? 'dm';
}

/**
 * The ETA of a run from the probe's figure on `backend`, scaled by probeScale; null when the probe timed another
 * method or has no full figure for the backend.
 */
export function probeEtaMs(probe: ProbeReport, run: Pick<RunConfig, 'method' | 'iterations' | 'ipc' | 'realPerClass' | 'mtt'>, backend: BackendName): number | null {
  const r = probe.results.find((x) => x.backend === backend);
  if (!r || r.msPerIteration === undefined || r.overBudget || probeMethod(probe) !== run.method) return null;
  return r.msPerIteration * probeScale(run) * run.iterations;
}

/** The fastest probed backend (by ms per iteration); a figure from a warm-up only counts when nothing was timed. */
export function fastest(results: ProbeReport['results']): BackendName | null {
  const timed = results.filter((r) => r.msPerIteration !== undefined && (r.timed ?? 0) > 0 && !r.overBudget);
  const pool = timed.length ? timed : results.filter((r) => r.msPerIteration !== undefined && !r.overBudget);
  if (!pool.length) return null;
  return pool.reduce((a, b) => (b.msPerIteration! < a.msPerIteration! ? b : a)).backend;
}
