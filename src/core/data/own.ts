/**
 * A user's own dataset, from the files they dropped or picked: an IDX pair (images + labels, gzipped or not, with an
 * optional test pair), CIFAR binary batches, a zip of class folders, or a folder of class folders. Everything is
 * checked before anything large is allocated, and each problem is a DatasetFormatError naming the file.
 */
import { concatImageSets, CIFAR_RECORD_BYTES, parseCifarBinary } from './cifar';
import { DatasetFormatError } from './errors';
import { decodeClassFolders, decodeImageZip, MAX_CLASSES, MAX_DECODED_BYTES, type FolderSet } from './folders';
import { checkLabels, gunzip, parseIdx } from './idx';
import { holdOutStratified, HOLD_OUT_FRACTION } from './load';
import { DATASETS } from './registry';
import { sha256Hex } from './sha256';
import type { DatasetSpec, ImageSet, LoadedDataset } from './types';
import { looksLikeZip } from './zip';

/** One file the user gave: its path (a picked folder's files carry their folder, e.g. `shapes/cat/1.png`) and bytes. */
export interface OwnFile {
  path: string;
  bytes: Uint8Array;
}

/** A user's dataset, decoded: like a built-in one (spec id 'custom'), plus what was skipped and its fingerprint. */
export interface OwnDataset extends LoadedDataset {
  /** What kind of upload it was. */
  format: 'idx' | 'cifar-binary' | 'zip' | 'folder';
  /** Lines to show: files skipped (not images), system files ignored. */
  notes: string[];
}

export interface OwnOptions {
  onProgress?: (done: number, total: number, file: string) => void;
}

const isTestName = (name: string) => /(^|[^a-z])(t10k|test)/i.test(name.split('/').pop() ?? name);
const base = (p: string) => p.split('/').pop() ?? p;

/** The name the dataset goes by: the file's, or the folder's (the first path component). */
function datasetName(files: OwnFile[], format: OwnDataset['format']): string {
  if (format === 'zip' || files.length === 1) return base(files[0]!.path);
  if (format === 'folder') return files[0]!.path.split('/')[0] ?? 'folder';
  const train = files.find((f) => !isTestName(f.path)) ?? files[0]!;
  return base(train.path);
}

/** Per-channel mean and std of pixel/255 over a set's images (population std; 1 where the images are flat). */
export function channelStats(set: ImageSet): { mean: number[]; std: number[] } {
  const c = set.channels;
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  const n = set.count * set.height * set.width;
  const px = set.images;
  for (let i = 0; i < n * c; i++) {
    const v = px[i]! / 255;
    sum[i % c]! += v;
    sq[i % c]! += v * v;
  }
  const mean = Array.from(sum, (s) => s / n);
  const std = mean.map((m, ch) => {
    const sd = Math.sqrt(Math.max(0, sq[ch]! / n - m * m));
    return sd > 1e-6 ? sd : 1;
  });
  return { mean, std };
}

function idxSet(files: OwnFile[]): { train: ImageSet; test?: ImageSet; classes: string[] } {
  type Part = { path: string; dims: number[]; data: Uint8Array };
  const parts: Part[] = files.map((f) => {
    const raw = f.path.toLowerCase().endsWith('.gz') ? gunzip(f.bytes, f.path, MAX_DECODED_BYTES + 1024) : f.bytes;
    const { dims, data } = parseIdx(raw, f.path);
    if (dims.length !== 3 && dims.length !== 1) {
      throw new DatasetFormatError(f.path, `an IDX file of ${dims.length} dimensions; expected images (3: count, rows, columns) or labels (1)`);
    }
    return { path: f.path, dims, data };
  });
  const pick = (test: boolean, ndim: number): Part | undefined => {
    const found = parts.filter((p) => isTestName(p.path) === test && p.dims.length === ndim);
    if (found.length > 1) {
      throw new DatasetFormatError(found[1]!.path, `a second ${test ? 'test' : 'training'} ${ndim === 3 ? 'images' : 'labels'} file (after ${found[0]!.path}); give one of each`);
    }
    return found[0];
  };
  const pair = (test: boolean) => {
    const images = pick(test, 3);
    const labels = pick(test, 1);
    const what = test ? 'test' : 'training';
    if (!images && !labels) return undefined;
    if (!images) throw new DatasetFormatError(labels!.path, `${what} labels without ${what} images: add the images file (idx3)`);
    if (!labels) throw new DatasetFormatError(images.path, `${what} images without ${what} labels: add the labels file (idx1)`);
    if (labels.dims[0] !== images.dims[0]) {
      throw new DatasetFormatError(labels.path, `${labels.dims[0]} labels, but ${images.path} has ${images.dims[0]} images`);
    }
    const set: ImageSet = { images: images.data, labels: labels.data, count: images.dims[0]!, height: images.dims[1]!, width: images.dims[2]!, channels: 1 };
    return { set, images, labels };
  };
  const train = pair(false);
  if (!train) {
    throw new DatasetFormatError(files[0]!.path, 'no training pair: give an images file and a labels file whose names do not say test/t10k');
  }
  const test = pair(true);
  let max = 0;
  for (const l of train.set.labels) max = Math.max(max, l);
  const k = max + 1;
  if (k > MAX_CLASSES) {
    throw new DatasetFormatError(train.labels.path, `label ${max} is out of range: at most ${MAX_CLASSES} classes (labels 0 to ${MAX_CLASSES - 1})`);
  }
  const seen = new Uint8Array(k);
  for (const l of train.set.labels) seen[l] = 1;
  const absent = seen.indexOf(0);
  if (absent >= 0) {
    throw new DatasetFormatError(
      train.labels.path,
      `labels go up to ${max} but no training image has label ${absent}: labels must be 0 to K-1 with every class present`,
    );
  }
  if (k < 2) throw new DatasetFormatError(train.labels.path, 'every label is 0: at least 2 classes are needed');
  if (test) {
    checkLabels(test.set.labels, test.labels.path, k);
    if (test.set.height !== train.set.height || test.set.width !== train.set.width) {
      throw new DatasetFormatError(
        test.images.path,
        `test images are ${test.set.width}x${test.set.height}, the training images (${train.images.path}) ${train.set.width}x${train.set.height}`,
      );
    }
  }
  return { train: train.set, test: test?.set, classes: Array.from({ length: k }, (_, i) => String(i)) };
}

function cifarSet(files: OwnFile[]): { train: ImageSet; test?: ImageSet; classes: string[] } {
  const classes = [...DATASETS['cifar-10'].classes];
  for (const f of files) {
    if (f.bytes.length > MAX_DECODED_BYTES) throw new DatasetFormatError(f.path, `${f.bytes.length} bytes, more than the ${MAX_DECODED_BYTES}-byte limit`);
  }
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const trainFiles = sorted.filter((f) => !isTestName(f.path));
  const testFiles = sorted.filter((f) => isTestName(f.path));
  if (trainFiles.length === 0) throw new DatasetFormatError(files[0]!.path, 'only test batches: add at least one training batch (data_batch_1.bin …)');
  const parse = (fs: OwnFile[]) => concatImageSets(...fs.map((f) => parseCifarBinary(f.bytes, f.path, classes.length)));
  return { train: parse(trainFiles), ...(testFiles.length ? { test: parse(testFiles) } : {}), classes };
}

/**
 * Detects what the files are and decodes them into a dataset named after them. Without a test split, 20% of each
 * class is held out as the test set (heldOutNote says so). Throws DatasetFormatError naming the file at fault.
 */
export function decodeOwnFiles(input: OwnFile[], opts: OwnOptions = {}): OwnDataset {
  if (input.length === 0) throw new DatasetFormatError('(no files)', 'nothing was chosen');
  const files = input.map((f) => ({ ...f, path: f.path.replace(/\\/g, '/').replace(/^\/+/, '') }));
  for (const f of files) {
    if (f.bytes.length === 0 && !/\/\.|^\./.test(f.path)) {
      const lower = f.path.toLowerCase();
      if (files.length === 1 || /\.(zip|gz|bin|png|jpe?g)$|ubyte$|idx\d/.test(lower)) throw new DatasetFormatError(f.path, 'empty file (0 bytes)');
    }
  }
  const zips = files.filter((f) => f.path.toLowerCase().endsWith('.zip') || looksLikeZip(f.bytes));
  const lower = (f: OwnFile) => f.path.toLowerCase();
  let format: OwnDataset['format'];
  let decoded: { train: ImageSet; test?: ImageSet; classes: string[] };
  const notes: string[] = [];
  const folderNotes = (set: FolderSet) => {
    if (set.skipped.length) {
      const shown = set.skipped.slice(0, 3).join(', ');
      notes.push(
        `Skipped ${set.skipped.length} file${set.skipped.length > 1 ? 's that are not PNG or JPEG images' : ' that is not a PNG or JPEG image'}: ` +
          `${shown}${set.skipped.length > 3 ? `, and ${set.skipped.length - 3} more` : ''}.`,
      );
    }
    if (set.ignored) notes.push(`Ignored ${set.ignored} system file${set.ignored > 1 ? 's' : ''} (.DS_Store, __MACOSX/, Thumbs.db).`);
  };
  if (zips.length > 0) {
    if (files.length > 1) throw new DatasetFormatError(zips[0]!.path, `a zip together with ${files.length - 1} other file(s): choose the zip alone`);
    format = 'zip';
    const set = decodeImageZip(files[0]!.bytes, files[0]!.path, { onProgress: opts.onProgress });
    folderNotes(set);
    decoded = set;
  } else if (files.every((f) => lower(f).endsWith('.bin'))) {
    format = 'cifar-binary';
    decoded = cifarSet(files);
  } else if (files.every((f) => /\.gz$|ubyte$|\.idx\d?$|idx\d/.test(lower(f)))) {
    format = 'idx';
    decoded = idxSet(files);
  } else if (files.some((f) => f.path.includes('/'))) {
    format = 'folder';
    const set = decodeClassFolders(
      files[0]!.path.split('/')[0]!,
      files.map((f) => ({ path: f.path, size: f.bytes.length, read: () => f.bytes })),
      [],
      { onProgress: opts.onProgress },
    );
    folderNotes(set);
    decoded = set;
  } else {
    const odd = files.find((f) => !/\.(gz|bin)$|ubyte$/.test(lower(f))) ?? files[0]!;
    throw new DatasetFormatError(
      odd.path,
      'not a dataset file this page reads: give an IDX pair (…-images-idx3-ubyte[.gz] + …-labels-idx1-ubyte[.gz]), ' +
        `CIFAR binary batches (.bin, ${CIFAR_RECORD_BYTES}-byte records), a .zip of class folders, or a folder of class folders`,
    );
  }
  const name = datasetName(files, format);
  const { classes } = decoded;
  let { train, test } = decoded;
  let heldOutNote: string | undefined;
  if (!test) {
    const split = holdOutStratified(train, classes.length, HOLD_OUT_FRACTION);
    heldOutNote =
      `${name} has no test split: ${split.test.count} of its ${train.count} images are held out as the test set ` +
      `(the last ${Math.round(HOLD_OUT_FRACTION * 100)}% of each class, in file order), leaving ${split.train.count} for training.`;
    train = split.train;
    test = split.test;
  }
  const { mean, std } = channelStats(train);
  const spec: DatasetSpec = {
    id: 'custom',
    name,
    classes,
    shape: [train.height, train.width, train.channels],
    mean,
    std,
    variants: [],
    citation: '',
  };
  return { spec, variant: format, train, test, ...(heldOutNote ? { heldOutNote } : {}), format, notes };
}

/**
 * The fingerprint of a decoded dataset: sha256 over its class names, shape, then train and test images and labels.
 * Equal data gives an equal fingerprint however it was uploaded (a zip or the same folder).
 */
export async function datasetSha256(d: Pick<LoadedDataset, 'spec' | 'train' | 'test'>): Promise<string> {
  const head = new TextEncoder().encode(JSON.stringify({ classes: d.spec.classes, shape: d.spec.shape, train: d.train.count, test: d.test.count }) + '\n');
  const parts = [head, d.train.images, d.train.labels, d.test.images, d.test.labels];
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return sha256Hex(all);
}
