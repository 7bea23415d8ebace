/** Auto's probe, the parts the page needs too (no TensorFlow.js): its size, cache key, order, summary and ETA. */
import type { BackendName, ProbeReport, ProbeShape } from './protocol';

/** The probe's problem: 10 classes, PROBE_REAL real and PROBE_IPC synthetic images per class. */
export const PROBE_CLASSES = 10;
export const PROBE_REAL = 16;
export const PROBE_IPC = 1;
/** Timed steps after the warm-up. */
export const PROBE_STEPS = 2;
/** The whole probe's budget (all backends), milliseconds. */
export const PROBE_BUDGET_MS = 5000;

/** The probe's shape class: what the cache is keyed by besides the device (image size, channels, width, depth). */
export function probeShapeClass(shape: ProbeShape): string {
  const [h, w, c] = shape.input;
  return `dm ${h}x${w}x${c} width ${shape.width} depth ${shape.depth}`;
}

/** The cache key of a probe: the device (adapter description, logical cores) and the probe's shape class. */
export function probeKey(device: string, cores: number, shape: ProbeShape): string {
  return `${device} | ${cores} cores | ${probeShapeClass(shape)}`;
}

/** A WebGPU adapter that is software (reports itself as a fallback adapter, or names a software rasteriser). */
export function isSoftwareAdapter(detail: string): boolean {
  return /fallback|swiftshader|llvmpipe|lavapipe|warp/i.test(detail);
}

/** One line: the chosen backend's figure, then the others' (or why they have none). */
/** "not timed (matmul 15× slower)": how a backend left out compared in the quick ranking test. */
function notTimed(quick: number | undefined, chosen: number | undefined): string {
  if (quick === undefined || !chosen) return 'not timed';
  const ratio = quick / chosen;
  return `not timed (matmul ${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}× ${ratio >= 1 ? 'slower' : 'faster'})`;
}

/** A probe figure: "0.54 s/it", "9.8 s/it", "70 s/it". */
export function probeFigure(ms: number): string {
  return `${ms >= 10_000 ? (ms / 1000).toFixed(0) : (ms / 1000).toPrecision(2)} s/it`;
}

export function probeSummary(probe: ProbeReport): string {
  const figure = probeFigure;
  const label = (r: ProbeReport['results'][number]) => `${r.backend}${r.detail ? ` (${r.detail})` : ''}`;
  const chosen = probe.results.find((r) => r.backend === probe.chosen);
  const rest = probe.results.filter((r) => r.backend !== probe.chosen);
  const others = [
    ...rest.filter((r) => r.msPerIteration !== undefined).map((r) => `${label(r)} ${figure(r.msPerIteration!)}${r.timed === 0 ? ' (warm-up only)' : ''}`),
    ...rest.filter((r) => r.msPerIteration === undefined).map((r) => `${label(r)} ${r.reason?.startsWith('failed') ? 'failed' : notTimed(r.quickMs, chosen?.quickMs)}`),
  ];
  const head = chosen ? `${label(chosen)}${chosen.msPerIteration !== undefined ? `: ${figure(chosen.msPerIteration)}` : ''}` : probe.chosen;
  return [head, others.join(', ')].filter(Boolean).join('; ');
}

/** Order of the probe: hardware WebGPU first, a software (fallback) adapter last. */
export function probeOrder(order: readonly BackendName[], webgpuIsSoftware: boolean): BackendName[] {
  if (!webgpuIsSoftware || !order.includes('webgpu')) return [...order];
  return [...order.filter((b) => b !== 'webgpu'), 'webgpu'];
}

/** The ETA of a DM run from the probe's figure: scaled by the images per class each step handles. */
export function probeEtaMs(probe: ProbeReport, run: { method: string; iterations: number; realPerClass: number; ipc: number }, backend: BackendName): number | null {
  const ms = probe.results.find((r) => r.backend === backend)?.msPerIteration;
  if (ms === undefined || run.method !== 'dm') return null;
  return ms * ((run.realPerClass + run.ipc) / (PROBE_REAL + PROBE_IPC)) * run.iterations;
}

/** The fastest probed backend (by ms per iteration); a figure from a warm-up only counts when nothing was timed. */
export function fastest(results: ProbeReport['results']): BackendName | null {
  const timed = results.filter((r) => r.msPerIteration !== undefined && (r.timed ?? 0) > 0);
  const pool = timed.length ? timed : results.filter((r) => r.msPerIteration !== undefined);
  if (!pool.length) return null;
  return pool.reduce((a, b) => (b.msPerIteration! < a.msPerIteration! ? b : a)).backend;
}
