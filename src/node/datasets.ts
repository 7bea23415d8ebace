/** Node-only: loading a built-in dataset from a folder laid out like ../shared/datasets (tests, CLI, benches). */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DATASET_IDS, getDataset } from '../core/data/registry';
import { decodeDataset } from '../core/data/load';
import { DatasetFormatError } from '../core/data/errors';
import type { DatasetFile, DatasetId, LoadedDataset } from '../core/data/types';

/** Where a dataset's files were found: `folder` holds them, `root` is the folder of datasets above it. */
export interface DatasetLocation {
  root: string;
  folder: string;
  /** 'root': `dir` was the folder of datasets (`<dir>/<id>/`); 'dataset': `dir` held the dataset's own files. */
  layout: 'root' | 'dataset';
}

const sha256 = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/**
 * Finds `id`'s files from what a user passes as `--data`: the folder of datasets laid out like ../shared/datasets
 * (`<dir>/<id>/<file>`, tried first), or the folder of that one dataset's files (`<dir>/<file>`; then files kept
 * beside the dataset's folder, like the CIFAR-10 JPEG zip, are looked for in its parent). A folder of one dataset's
 * files is taken only if its files with a published sha256 have it: MNIST and Fashion-MNIST share file names, and
 * one must never load as the other. Throws naming what is missing.
 */
export function locateDataset(id: DatasetId, dir: string, variantId?: string): DatasetLocation {
  const spec = getDataset(id);
  const variants = spec.variants.filter((v) => !variantId || v.id === variantId);
  const complete = (root: string, folder: string, check: boolean): boolean =>
    variants.some((v) =>
      v.files.every((f) => {
        const p = [path.join(folder, f.name), ...(f.localPath ? [path.join(root, f.localPath)] : [])].find((x) => fs.existsSync(x));
        return p !== undefined && (!check || !f.sha256 || p !== path.join(folder, f.name) || sha256(p) === f.sha256);
      }),
    );
  const own = path.join(dir, id);
  if (complete(dir, own, false)) return { root: dir, folder: own, layout: 'root' };
  const parent = path.dirname(path.resolve(dir));
  if (!fs.existsSync(own) && complete(parent, dir, true)) return { root: parent, folder: dir, layout: 'dataset' };
  const expected = variants.map((v) => v.files.map((f) => f.name).join(', ')).join(' or ');
  if (fs.existsSync(own)) throw new Error(`${own}: no complete set of ${spec.name} files (expected ${expected})`);
  const others = DATASET_IDS.filter((other) => other !== id && getDataset(other).variants.some((v) => v.files.every((f) => f.sha256 && fs.existsSync(path.join(dir, f.name)) && sha256(path.join(dir, f.name)) === f.sha256)));
  const hint = others.length ? `; the files there are ${getDataset(others[0]!).name}'s (--dataset ${others[0]})` : '';
  throw new Error(`${dir}: no complete set of ${spec.name} files, neither in ${own} nor in ${dir} itself (expected ${expected})${hint}`);
}

/**
 * Decodes `id` from `dir` (see locateDataset: the folder of datasets or the dataset's own folder) using the first
 * variant whose files are all there. `variant` picks one variant instead; `onProgress` receives image decodes (the
 * JPEG zip's 60000). The result says where the files were found (`location`).
 */
export function loadDatasetFromDir(
  id: DatasetId,
  dir: string,
  opts: { variant?: string; onProgress?: (done: number, total: number, file: string) => void } = {},
): LoadedDataset & { location: DatasetLocation } {
  const spec = getDataset(id);
  const location = locateDataset(id, dir, opts.variant);
  const { root, folder } = location;
  const where = (f: DatasetFile): string | undefined =>
    [path.join(folder, f.name), ...(f.localPath ? [path.join(root, f.localPath)] : [])].find((p) => fs.existsSync(p));
  for (const variant of spec.variants) {
    if (opts.variant && variant.id !== opts.variant) continue;
    if (!variant.files.every((f) => where(f))) continue;
    const paths = new Map(variant.files.map((f) => [f.name, where(f)!]));
    const files = new Map(variant.files.map((f) => [f.name, new Uint8Array(fs.readFileSync(paths.get(f.name)!))]));
    try {
      return { ...decodeDataset(spec, variant.id, files, opts.onProgress), location };
    } catch (err) {
      // Name the file by its path, as the user typed the folder.
      if (err instanceof DatasetFormatError) throw new DatasetFormatError(paths.get(err.file) ?? path.join(folder, err.file), err.problem);
      throw err;
    }
  }
  throw new Error(`${folder}: no complete set of ${spec.name} files (expected ${spec.variants.map((v) => v.files.map((f) => f.name).join(', ')).join(' or ')})`);
}
