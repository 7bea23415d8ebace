/**
 * The files the page exports from a synthetic set (the worker's SetSource): the set as .npz (with the decoded
 * images of a multi-formation run), its grid as .png, or the run record as .json; and what the page shows of an
 * imported run record.
 */
import { pixelsSha256 } from '../core/data/sha256';
import { decodePixels } from '../core/methods/idc/multiformation';
import { imagesToGrid } from '../core/render';
import { runFactor } from '../shared/methods';
import type { Residency } from '../shared/memory';
import { buildRunRecord, datasetOf, type initialOf } from '../core/run/record';
import { classMajorSet, encodeNpz } from '../core/data/npz';
import { encodePng } from '../core/png';
import type { BackendReport, EvalReport, ExportContext, ExportFile, ExportKind, ImportSummary, RunCheckpoint, RunConfig } from '../shared/protocol';
import type { DistillRun } from '../core/run/run';
import type { ImportedRecord } from '../core/run/imports';
import type { LoadedDatasets } from './datasets';

/** A synthetic set the page can evaluate and export: of a run (paused or finished), or imported. */
export interface SetSource {
  pixels: Float32Array;
  /** KRR's learned labels ([N, classes]) when the run learned them; exported beside the class labels. */
  softLabels?: Float32Array;
  /** Its fingerprint (pixelsSha256), once computed. */
  sha256?: string;
  config: RunConfig;
  iteration: number;
  backend: string;
  /** Where the run's real batches came from (resident on the device or from the host), for the record. */
  realBatches?: Residency;
  /** What the run started from (its init's choice), for the record; absent for an imported set. */
  initial?: Parameters<typeof initialOf>[0];
  /** The imported file the run started from, or that this set is. */
  startedFrom?: { file: string; sha256: string };
  imported: boolean;
  /** The last evaluation of exactly this set. */
  evaluation?: EvalReport;
  /** What the method reported about this set when its run ended (Method.readouts), for the record. */
  readouts?: Record<string, number>;
}

/**
 * The last finished run's set, or the imported set (whichever came last), with the finished run itself when its
 * method has a teacher (SRe2L): kept undisposed so Evaluate can relabel by it (labels 'teacher'), and disposed when
 * the set is replaced or a run starts.
 */
export class LatestSet {
  set: SetSource | null = null;
  private run: DistillRun | null = null;

  replace(set: SetSource, keep: DistillRun | null = null): void {
    if (this.run !== keep) this.run?.dispose();
    this.run = keep;
    this.set = set;
  }

  /** The kept run (its caller must not dispose it), or null. */
  get teacherRun(): DistillRun | null {
    return this.run;
  }

  releaseTeacher(): void {
    this.run?.dispose();
    this.run = null;
  }
}

/**
 * A run's set as it stands now (its images and learned labels), for evaluation and exports: a paused run's, or a
 * finished one's with its fingerprint and what the method reported.
 */
export async function runSetSource(run: DistillRun, backend: string, startedFrom: SetSource['startedFrom'], extra: Pick<SetSource, 'sha256' | 'readouts'> = {}): Promise<SetSource> {
  const labels = await run.learnedLabels();
  const pixels = await run.pixels();
  return { pixels, ...(labels ? { softLabels: labels.values } : {}), config: run.config, iteration: run.iteration, backend, realBatches: run.residency, initial: run.initial, startedFrom, imported: false, ...extra };
}

/** A diverged run's last good set: the last checkpoint it sent, else its start. */
export function lastGoodSetSource(run: DistillRun, lastGood: RunCheckpoint | null, backend: string, startedFrom: SetSource['startedFrom']): SetSource {
  const softLabels = lastGood?.labels?.values.slice();
  return {
    pixels: lastGood ? lastGood.images.slice() : run.initial.pixels.slice(),
    ...(softLabels ? { softLabels } : {}),
    config: run.config,
    iteration: lastGood ? lastGood.iteration : 0,
    backend,
    realBatches: run.residency,
    initial: run.initial,
    startedFrom,
    imported: false,
  };
}

/** A class-major synthetic set as an RGBA grid, one row per class (de-normalised with its dataset's mean/std). */
export function setGrid(pixels: Float32Array, config: RunConfig, datasets: LoadedDatasets) {
  const spec = datasets.specOf(config.dataset);
  return imagesToGrid(pixels, spec.shape, spec.classes.length, config.ipc, spec);
}

/** `source` as the file `kind` names; `backend` is the one running now (its detail goes into a record it made). */
export async function exportFile(kind: ExportKind, context: ExportContext, source: SetSource, datasets: LoadedDatasets, backend: BackendReport | null): Promise<ExportFile> {
  const { config } = source;
  const spec = datasets.specOf(config.dataset);
  const stem = `${config.dataset}-${config.method}-ipc${config.ipc}-seed${config.seed}-it${source.iteration}${source.imported ? '-imported' : ''}`;
  let file: ExportFile;
  if (kind === 'npz') {
    const set = classMajorSet(spec, source.pixels, config.ipc, { app: context.app, method: config.method, config }, source.softLabels);
    // Multi-formation: the file carries the factor and the decoded training set beside the stored images.
    const factor = runFactor(config);
    const bytes = encodeNpz(factor > 1 ? { ...set, multiFormation: { factor, decoded: decodePixels(source.pixels, spec.shape, factor) } } : set);
    file = { name: `${stem}.npz`, mime: 'application/octet-stream', bytes };
  } else if (kind === 'png') {
    file = { name: `${stem}.png`, mime: 'image/png', bytes: encodePng(setGrid(source.pixels, config, datasets), 4) };
  } else {
    if (source.imported) throw new Error('An imported set has no run to record: continue distilling from it, then export the run record.');
    const entry = datasets.entryFor(config, 'exporting its run record');
    source.sha256 ??= await pixelsSha256(source.pixels);
    const ev = source.evaluation;
    const record = buildRunRecord({
      app: context.app,
      config,
      dataset: datasetOf({ ...entry.loaded, ...(entry.upload ? { sha256: entry.upload.sha256 } : {}) }),
      initial: source.initial ?? { chosen: [] },
      ...(source.startedFrom ? { startedFrom: source.startedFrom } : {}),
      backend: source.backend,
      // The detail (SIMD and threads, the adapter) of the backend that made this set, when it still runs.
      ...(backend?.backend === source.backend && backend.detail ? { backendDetail: backend.detail } : {}),
      ...(source.realBatches ? { realBatches: source.realBatches } : {}),
      iterations: context.lossPoints.filter((p) => p.iteration <= source.iteration),
      syntheticSha256: source.sha256,
      evaluation: ev
        ? { epochs: ev.request.epochs, models: ev.request.models, width: ev.width, architecture: ev.request.architecture ?? 'convnet', testImages: ev.testImages, ...(ev.request.dsa ? { dsa: true } : {}), ...(ev.request.cutmix ? { cutmix: true } : {}), ...(ev.request.lrSchedule === 'idc' ? { lrSchedule: 'idc' as const } : {}), ...(ev.request.labels && ev.request.labels !== 'hard' ? { labels: ev.request.labels } : {}) }
        : null,
      accuracy: ev ? ev.results : null,
      ...(source.readouts ? { readouts: source.readouts } : {}),
    });
    file = { name: `${stem}.json`, mime: 'application/json', bytes: new TextEncoder().encode(JSON.stringify(record, null, 2)) };
  }
  return file;
}

/** What the page shows of an imported run record (its config goes to the controls; the rest is a summary). */
export function recordSummary(got: ImportedRecord): ImportSummary {
  const r = got.record;
  return {
    kind: 'record',
    file: got.file,
    config: got.config,
    syntheticSha256: r.syntheticSha256,
    backend: r.backend,
    iterations: r.iterations.length,
    createdAt: r.createdAt,
    accuracy: r.accuracy ? { mean: r.accuracy.distilled.mean, std: r.accuracy.distilled.std } : null,
  };
}
