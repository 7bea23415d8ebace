/** Test helpers for real data: the datasets in DATASETS_DIR, decoded and grouped by class. */
import { loadDatasetFromDir } from '../node/datasets';
import { prepareRealData, type RealData } from '../core/data/batches';
import { subsetImageSet } from '../core/data/load';
import type { DatasetId } from '../core/data/types';
import { datasetsDir } from './tf';

/** The train and test splits of a built-in dataset, ready for sampling. */
export function loadReal(id: DatasetId): { train: RealData; test: RealData } {
  const d = loadDatasetFromDir(id, datasetsDir());
  return { train: prepareRealData(d.train, d.spec), test: prepareRealData(d.test, d.spec) };
}

/** The first `perClass` training images of each MNIST class: a real subset small enough for CI. */
export function mnistSubset(perClass: number): RealData {
  const d = loadDatasetFromDir('mnist', datasetsDir());
  const full = prepareRealData(d.train, d.spec);
  const picks = full.byClass.flatMap((idx) => Array.from(idx.slice(0, perClass)));
  return prepareRealData(subsetImageSet(d.train, picks), d.spec);
}
