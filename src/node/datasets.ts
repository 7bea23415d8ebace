/** Node-only: loading a built-in dataset from a folder laid out like ../shared/datasets (tests, CLI, benches). */
import fs from 'node:fs';
import path from 'node:path';
import { getDataset } from '../core/data/registry';
import { decodeDataset } from '../core/data/load';
import type { DatasetId, LoadedDataset } from '../core/data/types';

/** Decodes `<dir>/<id>/` using the first variant whose files are all there. */
export function loadDatasetFromDir(id: DatasetId, dir: string): LoadedDataset {
  const spec = getDataset(id);
  const folder = path.join(dir, id);
  for (const variant of spec.variants) {
    if (!variant.files.every((f) => fs.existsSync(path.join(folder, f.name)))) continue;
    const files = new Map(variant.files.map((f) => [f.name, new Uint8Array(fs.readFileSync(path.join(folder, f.name)))]));
    return decodeDataset(spec, variant.id, files);
  }
  throw new Error(`${folder}: no complete set of ${spec.name} files (expected ${spec.variants.map((v) => v.files.map((f) => f.name).join(', ')).join(' or ')})`);
}
