/**
 * One evaluation as reported to users: the distilled set beside random real images, herding and k-center
 * at the same IPC, each trained and tested under the same protocol.
 */
import type { RealData } from '../data/batches';
import { gatherPixels } from '../data/batches';
import { initReal } from '../init';
import { Rng } from '../rng';
import { classFeatures, selectCoreset, type Features } from '../select/coresets';
import { evaluateSet, testIndices, type EvalConfig, type EvalResult, type LabelledSet } from './evaluate';
import type { EvalProgress, EvalSetName } from '../../shared/protocol';

export const EVAL_SETS: readonly EvalSetName[] = ['distilled', 'random', 'herding', 'kCenter'];

/**
 * The distilled set handed to an evaluation: its pixels, or its pixels with soft labels (target distributions
 * [images, classes], one row per image in the pixels' order: for a decoded multi-formation set, each stored image's
 * row repeated f² times), which the evaluation trains on when its `labels` is 'soft'.
 */
export type DistilledInput = Float32Array | { pixels: Float32Array; soft?: Float32Array };

/**
 * Evaluates `distilled` (NHWC pixels, class-major, `ipc` per class, or a decoded multi-formation set of IPC·f² per
 * class) and its three baselines at `ipc` per class. Coresets use
 * `embed` features of a random ConvNet of the evaluation's width (seeded by cfg.seed). `onProgress` may
 * throw to cancel.
 */
export async function compareWithBaselines(
  distilled: DistilledInput,
  ipc: number,
  train: RealData,
  test: RealData,
  cfg: EvalConfig,
  onProgress?: (p: EvalProgress) => void | Promise<void>,
): Promise<{ results: Record<EvalSetName, EvalResult>; testImages: number }> {
  const { results, testImages } = await evaluateSets(EVAL_SETS, distilled, ipc, train, test, cfg, onProgress);
  return { results: results as Record<EvalSetName, EvalResult>, testImages };
}

/** The per-class features the coresets are selected on: `embed` of a random ConvNet of the evaluation's shape (seed cfg.seed). */
export function coresetFeatures(train: RealData, cfg: Pick<EvalConfig, 'width' | 'depth' | 'seed'>): Promise<Features[]> {
  const input: [number, number, number] = [train.set.height, train.set.width, train.set.channels];
  return classFeatures(train, { input, classes: train.numClasses, width: cfg.width, depth: cfg.depth }, cfg.seed);
}

/**
 * Evaluates only the sets named in `names`, in EVAL_SETS order, with the same sets, seeds and numbers as
 * compareWithBaselines: the baselines depend only on the data, `ipc` and `cfg`, so a bench can evaluate them
 * once and the distilled sets of several methods separately. `distilled` is needed only when named;
 * `features` (coresetFeatures(train, cfg)) may be passed to reuse them across IPCs.
 */
export async function evaluateSets(
  names: readonly EvalSetName[],
  distilledInput: DistilledInput | null,
  ipc: number,
  train: RealData,
  test: RealData,
  cfg: EvalConfig,
  onProgress?: (p: EvalProgress) => void | Promise<void>,
  features?: Features[],
): Promise<{ results: Partial<Record<EvalSetName, EvalResult>>; testImages: number }> {
  const shape: [number, number, number] = [train.set.height, train.set.width, train.set.channels];
  const distilled = distilledInput === null || distilledInput instanceof Float32Array ? distilledInput : distilledInput.pixels;
  const soft = distilledInput === null || distilledInput instanceof Float32Array ? undefined : distilledInput.soft;
  if (cfg.labels === 'soft' && names.includes('distilled') && !soft) throw new Error('evaluateSets: soft-label evaluation needs the distilled set\'s soft labels');
  const labels = Int32Array.from({ length: train.numClasses * ipc }, (_, i) => Math.floor(i / ipc));
  const setOf = (pixels: Float32Array): LabelledSet => ({ pixels, labels, shape });
  // The distilled set may hold more images per class than `ipc` (a multi-formation set, decoded: IPC·f² per
  // class, class-major); `ipc` is its storage budget, which the baselines get.
  const perClass = distilled ? distilled.length / (train.numClasses * shape[0] * shape[1] * shape[2]) : ipc;
  if (!Number.isInteger(perClass) || perClass < 1) throw new Error(`evaluateSets: ${distilled?.length} distilled values are not a whole number of images per class`);
  const distilledLabels = Int32Array.from({ length: train.numClasses * perClass }, (_, i) => Math.floor(i / perClass));
  const fromIndices = (perClass: Int32Array[]) => setOf(gatherPixels(train, perClass.flatMap((p) => Array.from(p))));
  const wanted = EVAL_SETS.filter((n) => names.includes(n));
  const coreset = wanted.includes('herding') || wanted.includes('kCenter');
  const feats = coreset ? (features ?? (await coresetFeatures(train, cfg))) : [];
  const build: Record<EvalSetName, () => LabelledSet> = {
    distilled: () => {
      if (!distilled) throw new Error('evaluateSets: the distilled set was named but not given');
      return { pixels: distilled, labels: distilledLabels, shape, ...(soft ? { soft } : {}) };
    },
    random: () => setOf(initReal(train, ipc, new Rng(cfg.seed + 1)).pixels),
    herding: () => fromIndices(selectCoreset('herding', train, feats, ipc)),
    kCenter: () => fromIndices(selectCoreset('kCenter', train, feats, ipc)),
  };
  const sets = wanted.map((name) => [name, build[name]()] as const);
  const results: Partial<Record<EvalSetName, EvalResult>> = {};
  const total = wanted.length * cfg.models * cfg.epochs;
  let done = 0;
  for (const [k, [name, set]] of sets.entries()) {
    results[name] = await evaluateSet(set, test, cfg, async (model, epoch, accuracy) => {
      done = (k * cfg.models + model) * cfg.epochs + epoch + 1;
      await onProgress?.({ set: name, model, models: cfg.models, epoch, epochs: cfg.epochs, fraction: done / total, ...(accuracy === undefined ? {} : { accuracy }) });
    });
  }
  return { results, testImages: testIndices(test, cfg.testLimit).length };
}
