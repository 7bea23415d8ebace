/**
 * Auto's probe results, kept in this browser (localStorage) so a reload does not measure again. The worker picks
 * the one whose key (adapter, cores, the probe's shape class) matches; "Measure again" replaces it.
 */
import type { DatasetSummary, ProbeReport, ProbeShape, RunConfig } from '../../shared/protocol';
import type { DatasetId } from './datasets';

const KEY = 'distill.backendProbes';
/** Probes kept (one per shape class and device; the newest first). */
const KEEP = 8;

export function readProbeCache(): ProbeReport[] {
  try {
    const raw = localStorage.getItem(KEY);
    const got: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(got) ? (got as ProbeReport[]).filter((p) => typeof p?.key === 'string' && typeof p.chosen === 'string' && Array.isArray(p.results)) : [];
  } catch {
    return [];
  }
}

export function writeProbeCache(probe: ProbeReport): void {
  try {
    const rest = readProbeCache().filter((p) => p.key !== probe.key);
    const { cached: _c, ...fresh } = probe;
    localStorage.setItem(KEY, JSON.stringify([fresh, ...rest].slice(0, KEEP)));
  } catch {
    // Storage full or blocked: the next load measures again.
  }
}

/** Image shapes of the built-in datasets (the backend starts before the dataset is loaded). */
const SHAPES: Record<string, [number, number, number]> = { mnist: [28, 28, 1], 'fashion-mnist': [28, 28, 1], 'cifar-10': [32, 32, 3] };

/** The probe's workload: the dataset's image shape (the loaded one's, else the built-in's), the run's width, depth and method. */
export function probeShapeFor(id: DatasetId, summary: DatasetSummary | null, config: Pick<RunConfig, 'width' | 'depth' | 'method'>): ProbeShape {
  const input = summary && summary.id === id ? ([...summary.shape] as [number, number, number]) : (SHAPES[id] ?? [32, 32, 3]);
  return { input, width: config.width, depth: config.depth, method: config.method };
}
