/**
 * Evaluations of many sets of one run (or of several runs) against the same baselines: random real, herding and
 * k-center depend only on the data, the images per class and the evaluation's settings, not on the iteration or
 * the sampler, so they are evaluated once per such key and reused (an evaluation every N iterations, or a
 * DREAM-vs-uniform comparison, pays for them once).
 */
import type { RealData } from '../data/batches';
import { EVAL_SETS, evaluateSets, type DistilledInput } from './compare';
import type { EvalConfig, EvalResult } from './evaluate';
import type { EvalProgress, EvalSetName } from '../../shared/protocol';

const BASELINES: readonly EvalSetName[] = EVAL_SETS.filter((n) => n !== 'distilled');

interface Baselines {
  results: Partial<Record<EvalSetName, EvalResult>>;
  testImages: number;
}

/**
 * What the baselines of an evaluation depend on: the data (`data` names the training and test data, e.g. the
 * dataset id), the images per class and every setting of the evaluation (all of EvalConfig's fields, so a new one
 * is part of the key by itself), except `labels`: the baselines have no soft labels and train on their class
 * labels under either setting, so a soft-label evaluation reuses the hard one's baselines. A teacher's relabelling
 * (`relabel`, a function of one run's teacher) has no key: its baselines are not cached.
 */
export function baselineKey(data: string, ipc: number, cfg: EvalConfig): string {
  if (cfg.relabel || cfg.labels === 'teacher') throw new Error('baselineKey: baselines relabelled by a run\'s teacher are not cached (the key cannot name the teacher)');
  const { labels: _labels, ...rest } = cfg;
  const settings = Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([data, ipc, settings]);
}

/** The baselines already evaluated, by baselineKey; the oldest are forgotten beyond `capacity`. */
export class BaselineCache {
  private readonly entries = new Map<string, Baselines>();
  /** How many times baselines were evaluated (not found in the cache). */
  computed = 0;

  constructor(private readonly capacity = 16) {}

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /**
   * The distilled set and the baselines, with the numbers compareWithBaselines gives (the same sets and seeds);
   * the baselines are evaluated only when `key` is not cached. `onProgress` may throw to cancel (nothing is cached
   * then); its fraction covers only what is evaluated this time.
   */
  async evaluate(
    key: string,
    distilled: DistilledInput,
    ipc: number,
    train: RealData,
    test: RealData,
    cfg: EvalConfig,
    onProgress?: (p: EvalProgress) => void | Promise<void>,
  ): Promise<{ results: Record<EvalSetName, EvalResult>; testImages: number }> {
    const cached = this.entries.get(key);
    const share = cached ? 1 : 1 / EVAL_SETS.length;
    const mine = await evaluateSets(['distilled'], distilled, ipc, train, test, cfg, (p) => onProgress?.({ ...p, fraction: p.fraction * share }));
    let base = cached;
    if (!base) {
      base = await evaluateSets(BASELINES, null, ipc, train, test, cfg, (p) => onProgress?.({ ...p, fraction: share + p.fraction * (1 - share) }));
      this.computed++;
      this.entries.set(key, base);
      while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    }
    return { results: { ...base.results, ...mine.results } as Record<EvalSetName, EvalResult>, testImages: mine.testImages };
  }
}
