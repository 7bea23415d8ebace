/** CIFAR-10 binary-version decoding (records of label + R, G, B planes) into interleaved HWC ImageSets. */
import { DatasetFormatError } from './errors';
import type { ImageSet } from './types';

/** CIFAR-10 image side in pixels. */
export const CIFAR_SIDE = 32;
/** Bytes of one record: 1 label byte + 3 planes of 32x32. */
export const CIFAR_RECORD_BYTES = 1 + 3 * CIFAR_SIDE * CIFAR_SIDE;

/**
 * Parses a CIFAR-10 binary batch: its length must be a positive multiple of 3073 and every label < numClasses.
 * Returns the images as 32x32x3 interleaved (HWC) uint8. Throws DatasetFormatError naming `file`.
 */
export function parseCifarBinary(bytes: Uint8Array, file: string, numClasses = 10): ImageSet {
  const n = bytes.length;
  if (n === 0) throw new DatasetFormatError(file, 'empty file (0 bytes)');
  if (n % CIFAR_RECORD_BYTES !== 0) {
    const whole = Math.floor(n / CIFAR_RECORD_BYTES);
    throw new DatasetFormatError(
      file,
      `${n} bytes is not a whole number of ${CIFAR_RECORD_BYTES}-byte CIFAR records ` +
        `(${whole} records and ${n - whole * CIFAR_RECORD_BYTES} bytes left over): truncated or not a CIFAR-10 binary batch`,
    );
  }
  const count = n / CIFAR_RECORD_BYTES;
  const plane = CIFAR_SIDE * CIFAR_SIDE;
  const labels = new Uint8Array(count);
  const images = new Uint8Array(count * plane * 3);
  for (let r = 0; r < count; r++) {
    const at = r * CIFAR_RECORD_BYTES;
    const label = bytes[at]!;
    if (label >= numClasses) {
      throw new DatasetFormatError(
        file,
        `label ${label} of record ${r} (byte ${at}) is out of range (${numClasses} classes: 0 to ${numClasses - 1})`,
      );
    }
    labels[r] = label;
    const red = at + 1;
    const out = r * plane * 3;
    for (let p = 0; p < plane; p++) {
      const o = out + p * 3;
      images[o] = bytes[red + p]!;
      images[o + 1] = bytes[red + plane + p]!;
      images[o + 2] = bytes[red + 2 * plane + p]!;
    }
  }
  return { images, labels, count, height: CIFAR_SIDE, width: CIFAR_SIDE, channels: 3 };
}

/** Concatenates ImageSets of the same height, width and channels, in order; throws if the shapes differ. */
export function concatImageSets(...sets: ImageSet[]): ImageSet {
  const first = sets[0];
  if (!first) throw new Error('concatImageSets needs at least one set');
  if (sets.length === 1) return first;
  const { height, width, channels } = first;
  const per = height * width * channels;
  let count = 0;
  for (const s of sets) {
    if (s.height !== height || s.width !== width || s.channels !== channels) {
      throw new Error(
        `cannot concatenate image sets of shapes ${height}x${width}x${channels} and ${s.height}x${s.width}x${s.channels}`,
      );
    }
    count += s.count;
  }
  const images = new Uint8Array(count * per);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const s of sets) {
    images.set(s.images.subarray(0, s.count * per), at * per);
    labels.set(s.labels.subarray(0, s.count), at);
    at += s.count;
  }
  return { images, labels, count, height, width, channels };
}
