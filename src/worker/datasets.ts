/** The datasets the engine worker has loaded, and what the page is told about them. */
import { getDataset } from '../core/data/registry';
import { gatherPixels, type RealData } from '../core/data/batches';
import { imagesToGrid } from '../core/render';
import type { DatasetSpec, LoadedDataset, RunDatasetId } from '../core/data/types';
import type { DatasetSummary, LoadProgress, RunConfig } from '../shared/protocol';

export interface DatasetEntry {
  loaded: LoadedDataset;
  real: RealData;
  storage: DatasetSummary['storage'];
  /** An uploaded dataset's fingerprint, format and notes. */
  upload?: NonNullable<DatasetSummary['upload']>;
  /** The test split grouped by class, prepared at the first evaluation. */
  test?: RealData;
}

/** The loaded datasets by id; 'custom' is the last one uploaded (an upload replaces it only once it has decoded). */
export class LoadedDatasets {
  private readonly entries = new Map<RunDatasetId, DatasetEntry>();

  get(id: RunDatasetId): DatasetEntry | undefined {
    return this.entries.get(id);
  }

  set(id: RunDatasetId, entry: DatasetEntry): void {
    this.entries.set(id, entry);
  }

  /** The spec of a config's dataset: the uploaded one's, or the registry's. */
  specOf(id: RunDatasetId): DatasetSpec {
    if (id === 'custom') {
      const entry = this.entries.get('custom');
      if (!entry) throw new Error('Upload your dataset again: this page has none loaded (a link cannot carry the files).');
      return entry.loaded.spec;
    }
    return getDataset(id);
  }

  /** The loaded dataset a config names; for an uploaded one, it must be the very set (same fingerprint). */
  entryFor(config: RunConfig, doing: string): DatasetEntry {
    const entry = this.entries.get(config.dataset);
    if (!entry) {
      throw new Error(
        config.dataset === 'custom'
          ? `Upload your dataset before ${doing}: a link cannot carry the files.`
          : `Load ${config.dataset} before ${doing}.`,
      );
    }
    if (config.dataset === 'custom' && config.datasetSha256 && entry.upload && config.datasetSha256 !== entry.upload.sha256) {
      throw new Error(
        `This configuration is for the uploaded dataset ${config.datasetSha256.slice(0, 12)}…, but the one loaded is ${entry.upload.sha256.slice(0, 12)}… (${entry.loaded.spec.name}): upload the same files again.`,
      );
    }
    return entry;
  }
}

/** Decoding progress (items done of total) as LoadProgress, at most every 100 ms, and always the last. */
export function decodeProgress(onProgress: (p: LoadProgress) => void): (done: number, total: number, file: string) => void {
  let last = 0;
  return (done, total, file) => {
    const now = performance.now();
    if (now - last < 100 && done < total) return;
    last = now;
    onProgress({ phase: 'decode', file, loaded: done, total });
  };
}

/** What the page shows of a loaded dataset: its numbers, notes and a sample grid (8 images per class). */
export function summariseDataset({ loaded: d, real, storage, upload }: DatasetEntry): DatasetSummary {
  const variantNote = d.spec.variants.find((v) => v.id === d.variant)?.note;
  const perClass = 8;
  const picks: number[] = [];
  for (const idx of real.byClass) for (let k = 0; k < perClass; k++) picks.push(idx[k] ?? idx[0] ?? 0);
  const { height, width, channels } = d.train;
  const sample = imagesToGrid(gatherPixels(real, picks), [height, width, channels], real.numClasses, perClass, real);
  return {
    id: d.spec.id,
    name: d.spec.name,
    classes: [...d.spec.classes],
    shape: [height, width, channels],
    trainCount: d.train.count,
    testCount: d.test.count,
    classCounts: real.byClass.map((a) => a.length),
    heldOutNote: d.heldOutNote,
    variant: d.variant,
    ...(variantNote ? { variantNote } : {}),
    sample,
    storage,
    ...(upload ? { upload } : {}),
  };
}
