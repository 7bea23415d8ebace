/**
 * Turns a dataset variant's raw files into train/test ImageSets: decompress, parse, validate, and for a variant
 * without a test split hold out a deterministic, class-stratified part of the training records.
 */
import { concatImageSets, parseCifarBinary } from './cifar';
import { DatasetFormatError } from './errors';
import { decodeIdxPair, gunzip, MAX_GUNZIP_BYTES } from './idx';
import { decodeImageZip } from './folders';
import { getVariant } from './registry';
import { sha256Hex } from './sha256';
import type { DatasetFile, DatasetSpec, FileRole, ImageSet, LoadedDataset } from './types';

/** Fraction of each class's training records held out as the test set when a variant has no test split. */
export const HOLD_OUT_FRACTION = 0.2;

/** Indices of each class's images, in order: result[c] lists every i with set.labels[i] === c. */
export function classIndices(set: ImageSet, numClasses: number): Int32Array[] {
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < set.count; i++) {
    const label = set.labels[i]!;
    if (label < numClasses) counts[label]!++;
  }
  const out = Array.from(counts, (n) => new Int32Array(n));
  const fill = new Int32Array(numClasses);
  for (let i = 0; i < set.count; i++) {
    const label = set.labels[i]!;
    if (label < numClasses) out[label]![fill[label]!++] = i;
  }
  return out;
}

/** Copies the images at `indices` (in that order) into a new ImageSet. */
export function subsetImageSet(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const per = set.height * set.width * set.channels;
  const images = new Uint8Array(indices.length * per);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    images.set(set.images.subarray(i * per, (i + 1) * per), k * per);
    labels[k] = set.labels[i]!;
  }
  return { images, labels, count: indices.length, height: set.height, width: set.width, channels: set.channels };
}

/**
 * Splits `set` into train and test deterministically: from each class, its last records in file order go to test.
 * The total held out is round(count x fraction), shared across classes by largest remainder (ties to the lower class),
 * never taking a class's last training record. Both parts keep file order.
 */
export function holdOutStratified(
  set: ImageSet,
  numClasses: number,
  fraction: number = HOLD_OUT_FRACTION,
): { train: ImageSet; test: ImageSet } {
  const byClass = classIndices(set, numClasses);
  const sizes = byClass.map((idx) => idx.length);
  const held = sizes.map((n) => Math.min(Math.floor(n * fraction), Math.max(n - 1, 0)));
  let missing = Math.round(set.count * fraction) - held.reduce((a, b) => a + b, 0);
  const order = sizes
    .map((n, c) => ({ c, rem: n * fraction - Math.floor(n * fraction) }))
    .sort((a, b) => b.rem - a.rem || a.c - b.c);
  for (const { c } of order) {
    if (missing <= 0) break;
    if (held[c]! < sizes[c]! - 1) {
      held[c]!++;
      missing--;
    }
  }
  const isTest = new Uint8Array(set.count);
  byClass.forEach((idx, c) => {
    for (let k = idx.length - held[c]!; k < idx.length; k++) isTest[idx[k]!] = 1;
  });
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  for (let i = 0; i < set.count; i++) (isTest[i] ? testIdx : trainIdx).push(i);
  return { train: subsetImageSet(set, trainIdx), test: subsetImageSet(set, testIdx) };
}

/**
 * Checks a file's bytes against its registry entry: exact size, and sha256 when known (or `sha256` given, e.g. from
 * the manifest). Throws DatasetFormatError naming the file.
 */
export async function verifyFileBytes(file: DatasetFile, bytes: Uint8Array, sha256?: string): Promise<void> {
  if (bytes.length !== file.bytes) {
    throw new DatasetFormatError(file.name, `${bytes.length} bytes, expected ${file.bytes}`);
  }
  const expected = file.sha256 ?? sha256;
  if (expected) {
    const actual = await sha256Hex(bytes);
    if (actual !== expected) throw new DatasetFormatError(file.name, `sha256 ${actual}, expected ${expected}`);
  }
}

function decompress(name: string, bytes: Uint8Array): Uint8Array {
  return name.endsWith('.gz') ? gunzip(bytes, name, MAX_GUNZIP_BYTES) : bytes;
}

function checkShape(spec: DatasetSpec, set: ImageSet, file: string): void {
  const [h, w, c] = spec.shape;
  if (set.height !== h || set.width !== w || set.channels !== c) {
    throw new DatasetFormatError(
      file,
      `images are ${set.height}x${set.width}x${set.channels}, ${spec.name} needs ${h}x${w}x${c}`,
    );
  }
}

/**
 * Decodes a variant's files (keyed by file name, as downloaded: .gz still compressed) into a LoadedDataset.
 * Throws DatasetFormatError naming the file when one is missing or malformed.
 */
export function decodeDataset(
  spec: DatasetSpec,
  variantId: string,
  files: Map<string, Uint8Array>,
  onProgress?: (done: number, total: number, file: string) => void,
): LoadedDataset {
  const variant = getVariant(spec, variantId);
  const numClasses = spec.classes.length;
  const byRole = (role: FileRole): { name: string; bytes: Uint8Array }[] =>
    variant.files
      .filter((f) => f.role === role)
      .map((f) => {
        const bytes = files.get(f.name);
        if (!bytes) throw new DatasetFormatError(f.name, `missing: ${spec.name} (${variant.id}) needs this file`);
        return { name: f.name, bytes };
      });

  const idxPair = (imagesRole: FileRole, labelsRole: FileRole): ImageSet | undefined => {
    const [images] = byRole(imagesRole);
    const [labels] = byRole(labelsRole);
    if (!images || !labels) return undefined;
    const labelBytes = decompress(labels.name, labels.bytes); // the small file first: a bad one fails fast
    const set = decodeIdxPair(
      decompress(images.name, images.bytes),
      labelBytes,
      { images: images.name, labels: labels.name },
      numClasses,
      { height: spec.shape[0], width: spec.shape[1] },
    );
    checkShape(spec, set, images.name);
    return set;
  };
  const batches = (role: FileRole): ImageSet | undefined => {
    const parts = byRole(role).map((f) => {
      const set = parseCifarBinary(decompress(f.name, f.bytes), f.name, numClasses);
      checkShape(spec, set, f.name);
      return set;
    });
    return parts.length > 0 ? concatImageSets(...parts) : undefined;
  };

  const [zip] = byRole('images-zip');
  if (zip) {
    // Class folders in label order (CIFAR-10's folder names sort in its label order), train/ and test/.
    const set = decodeImageZip(zip.bytes, zip.name, { classes: spec.classes, requireSplit: true, onProgress });
    if (!set.test) throw new DatasetFormatError(zip.name, 'no test/ images');
    checkShape(spec, set.train, zip.name);
    return { spec, variant: variant.id, train: set.train, test: set.test };
  }

  const train = idxPair('train-images', 'train-labels') ?? batches('train-batch');
  if (!train) throw new Error(`${spec.name} variant '${variant.id}' lists no training files`);
  let test = idxPair('test-images', 'test-labels') ?? batches('test-batch');

  if (variant.lacksTestSplit || !test) {
    const split = holdOutStratified(train, numClasses, HOLD_OUT_FRACTION);
    const unit = variant.files.some((f) => f.role === 'train-batch') ? 'batch' : 'split';
    const percent = Math.round(HOLD_OUT_FRACTION * 100);
    const heldOutNote =
      `${spec.name} here is a partial copy (${train.count} training images, no test ${unit}): ` +
      `${split.test.count} of them are held out as the test set (the last ${percent}% of each class, in file order), ` +
      `leaving ${split.train.count} for training.`;
    test = split.test;
    return { spec, variant: variant.id, train: split.train, test, heldOutNote };
  }
  return { spec, variant: variant.id, train, test };
}
