/**
 * One evaluation as reported to users: the distilled set beside random real images, herding and k-center
 * at the same IPC, each trained and tested under the same protocol.
 */
import type { RealData } from '../data/batches';
import { gatherPixels } from '../data/batches';
import { initReal } from '../init';
import { Rng } from '../rng';
import { classFeatures, selectCoreset } from '../select/coresets';
import { evaluateSet, testIndices, type EvalConfig, type EvalResult, type LabelledSet } from './evaluate';
import type { EvalProgress, EvalSetName } from '../../shared/protocol';

export const EVAL_SETS: readonly EvalSetName[] = ['distilled', 'random', 'herding', 'kCenter'];

/**
 * Evaluates `distilled` (NHWC pixels, class-major, `ipc` per class) and its three baselines. Coresets use
 * `embed` features of a random ConvNet of the evaluation's width (seeded by cfg.seed). `onProgress` may
 * throw to cancel.
 */
export async function compareWithBaselines(
  distilled: Float32Array,
  ipc: number,
  train: RealData,
  test: RealData,
  cfg: EvalConfig,
  onProgress?: (p: EvalProgress) => void | Promise<void>,
): Promise<{ results: Record<EvalSetName, EvalResult>; testImages: number }> {
  const shape: [number, number, number] = [train.set.height, train.set.width, train.set.channels];
  const labels = Int32Array.from({ length: train.numClasses * ipc }, (_, i) => Math.floor(i / ipc));
  const setOf = (pixels: Float32Array): LabelledSet => ({ pixels, labels, shape });
  const fromIndices = (perClass: Int32Array[]) => setOf(gatherPixels(train, perClass.flatMap((p) => Array.from(p))));
  const net = { input: shape, classes: train.numClasses, width: cfg.width, depth: cfg.depth };
  const features = await classFeatures(train, net, cfg.seed);
  const sets: Record<EvalSetName, LabelledSet> = {
    distilled: setOf(distilled),
    random: setOf(initReal(train, ipc, new Rng(cfg.seed + 1)).pixels),
    herding: fromIndices(selectCoreset('herding', train, features, ipc)),
    kCenter: fromIndices(selectCoreset('kCenter', train, features, ipc)),
  };
  const results = {} as Record<EvalSetName, EvalResult>;
  const total = EVAL_SETS.length * cfg.models * cfg.epochs;
  let done = 0;
  for (const [k, name] of EVAL_SETS.entries()) {
    results[name] = await evaluateSet(sets[name], test, cfg, async (model, epoch) => {
      done = (k * cfg.models + model) * cfg.epochs + epoch + 1;
      await onProgress?.({ set: name, model, models: cfg.models, epoch, epochs: cfg.epochs, fraction: done / total });
    });
  }
  return { results, testImages: testIndices(test, cfg.testLimit).length };
}
