/** Node-only: loading a built-in dataset from a folder laid out like ../shared/datasets (tests, CLI, benches). */
import fs from 'node:fs';
import path from 'node:path';
import { getDataset } from '../core/data/registry';
import { decodeDataset } from '../core/data/load';
import { DatasetFormatError } from '../core/data/errors';
import type { DatasetFile, DatasetId, LoadedDataset } from '../core/data/types';

/**
 * Decodes `<dir>/<id>/` using the first variant whose files are all there (a file with a `localPath`, such as the
 * CIFAR-10 JPEG zip, is looked for there too: `<dir>/cifar-10-jpeg/cifar10-jpeg.zip`, as in ../shared/datasets).
 * `variant` picks one variant instead; `onProgress` receives image decodes (the JPEG zip's 60000).
 */
export function loadDatasetFromDir(
  id: DatasetId,
  dir: string,
  opts: { variant?: string; onProgress?: (done: number, total: number, file: string) => void } = {},
): LoadedDataset {
  const spec = getDataset(id);
  const folder = path.join(dir, id);
  const where = (f: DatasetFile): string | undefined =>
    [path.join(folder, f.name), ...(f.localPath ? [path.join(dir, f.localPath)] : [])].find((p) => fs.existsSync(p));
  for (const variant of spec.variants) {
    if (opts.variant && variant.id !== opts.variant) continue;
    if (!variant.files.every((f) => where(f))) continue;
    const paths = new Map(variant.files.map((f) => [f.name, where(f)!]));
    const files = new Map(variant.files.map((f) => [f.name, new Uint8Array(fs.readFileSync(paths.get(f.name)!))]));
    try {
      return decodeDataset(spec, variant.id, files, opts.onProgress);
    } catch (err) {
      // Name the file by its path, as the user typed the folder.
      if (err instanceof DatasetFormatError) throw new DatasetFormatError(paths.get(err.file) ?? path.join(folder, err.file), err.problem);
      throw err;
    }
  }
  throw new Error(`${folder}: no complete set of ${spec.name} files (expected ${spec.variants.map((v) => v.files.map((f) => f.name).join(', ')).join(' or ')})`);
}
