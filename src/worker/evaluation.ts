/** Evaluations in the engine worker: a set beside its baselines, on request or at a run's evaluation points. */
import { EVAL_DEFAULTS, type Relabel } from '../core/eval/evaluate';
import { compareWithBaselines } from '../core/eval/compare';
import { baselineKey, type BaselineCache } from '../core/eval/baselines';
import { decodePixels, repeatRows } from '../core/methods/idc/multiformation';
import { labelDistributions } from '../core/eval/soft-labels';
import { prepareRealData } from '../core/data/batches';
import type { DistillRun } from '../core/run/run';
import type { RunControl } from '../core/run/driver';
import { methodInfo, runFactor, softLabelMethods, teacherMethods } from '../shared/methods';
import type { EvalProgress, EvalReport, EvalRequest, EvalSchedule, RunConfig, RunEvent } from '../shared/protocol';
import type { DatasetEntry } from './datasets';

export function evalConfig(config: RunConfig, request: EvalRequest) {
  return { ...EVAL_DEFAULTS, ...request, width: config.width, depth: config.depth, seed: config.seed, dsaFlip: config.dataset !== 'mnist' };
}

/**
 * The set beside its baselines, which are evaluated once per dataset, IPC and settings (BaselineCache). With
 * `request.labels` 'soft' the set trains on its learned labels (`softLabels`, [stored images, classes]); with
 * 'teacher' every set's batches are relabelled by `relabel` (the run's teacher), and the baselines, being that
 * teacher's, are evaluated afresh rather than cached.
 */
export async function evaluateWithBaselines(
  baselines: BaselineCache,
  entry: DatasetEntry,
  pixels: Float32Array,
  softLabels: Float32Array | undefined,
  config: RunConfig,
  request: EvalRequest,
  onProgress: (p: EvalProgress) => Promise<void>,
  relabel?: Relabel | null,
) {
  if (request.labels === 'teacher' && !relabel) throw new Error(`This set has no teacher to relabel with: only a run of ${teacherMethods().map((id) => methodInfo(id).label).join(' or ')} has one, until another run starts or a set is imported. Evaluate it on class labels.`);
  if (request.labels === 'soft' && !softLabels) throw new Error(`This set has no soft labels (only ${softLabelMethods()} with learned labels has them): evaluate it on class labels.`);
  entry.test ??= prepareRealData(entry.loaded.test, entry.loaded.spec);
  const cfg = evalConfig(config, request);
  // An uploaded dataset is named by its fingerprint: another upload is other data.
  const data = entry.upload ? `custom:${entry.upload.sha256}` : config.dataset;
  // Multi-formation: the networks train on the decoded set (IPC·f² per class); the baselines keep IPC per class.
  const factor = runFactor(config);
  const train = decodePixels(pixels, [entry.loaded.train.height, entry.loaded.train.width, entry.loaded.train.channels], factor);
  // Multi-formation: each decoded image takes its stored image's soft label.
  const classes = entry.real.numClasses;
  const distilled = request.labels === 'soft' ? { pixels: train, soft: labelDistributions(repeatRows(softLabels!, softLabels!.length / classes, factor), classes) } : train;
  if (request.labels === 'teacher') return { ...(await compareWithBaselines(distilled, config.ipc, entry.real, entry.test, { ...cfg, relabel: relabel! }, onProgress)), cfg };
  const got = await baselines.evaluate(baselineKey(data, config.ipc, cfg), distilled, config.ipc, entry.real, entry.test, cfg, onProgress);
  return { ...got, cfg };
}

/** Thrown by an evaluation's progress callback when its run is stopped. */
export class RunStopped extends Error {}

/**
 * An evaluation at one of the run's evaluation points (the driver waits for it): progress and the report go out
 * as run events. Returns undefined when the run was stopped meanwhile.
 */
export async function evaluateDuringRun(baselines: BaselineCache, entry: DatasetEntry, run: DistillRun, ctl: RunControl, schedule: EvalSchedule, iteration: number, emit: (e: RunEvent) => void): Promise<EvalReport | undefined> {
  const pixels = await run.pixels();
  let last = 0;
  try {
    const soft = schedule.request.labels === 'soft' ? (await run.learnedLabels())?.values : undefined;
    const relabel = schedule.request.labels === 'teacher' ? run.relabeler() : null;
    // A run without learned labels (or teacher) is evaluated on its class labels, and its reports say so (request.labels).
    const request: EvalRequest = soft || relabel ? schedule.request : { ...schedule.request, labels: 'hard' };
    const { results, testImages, cfg } = await evaluateWithBaselines(baselines, entry, pixels, soft, run.config, request, async (progress) => {
      if (ctl.isStopped) throw new RunStopped();
      const now = performance.now();
      if (now - last > 200 || progress.fraction === 1) {
        last = now;
        emit({ type: 'evaluating', iteration, progress });
      }
      await new Promise((r) => setTimeout(r, 0));
    }, relabel);
    const report: EvalReport = { request, iteration, ipc: run.config.ipc, width: cfg.width, testImages, results };
    emit({ type: 'evaluation', report });
    return report;
  } catch (err) {
    if (err instanceof RunStopped) return undefined;
    throw err;
  }
}
