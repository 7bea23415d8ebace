/** What the .npz reader and writer share (src/core/data/npz.ts): the set's layout, the format's name and limits. */
import type { RunDatasetId } from './types';

/** A distilled (or any labelled) set in the app's layout: NHWC float pixels in the normalised space. */
export interface DistilledSet {
  /** 'custom': a dataset the user uploaded in the page (its class names are then in `classes`). */
  dataset: RunDatasetId;
  /** The class names, when the set does not come from a built-in dataset. */
  classes?: readonly string[];
  /** [height, width, channels] of one image. */
  shape: readonly [number, number, number];
  /** N images, NHWC, normalised with `mean` and `std`. */
  pixels: Float32Array;
  /** One class index per image. */
  labels: Int32Array;
  /**
   * Learned labels [N, classes] (KRR with learned labels: its regression targets, centred one-hot space), written
   * as `soft_labels` float32 beside `labels`; readers that do not know it ignore it. This reader reads it
   * (float32/float64 [N, classes], finite) for the soft-label evaluation (src/core/eval/soft-labels.ts).
   */
  softLabels?: Float32Array;
  /**
   * Multi-formation (IDC): the factor f and the decoded training set (IPC·f² per class, NHWC, class-major: stored
   * image k gives decoded images k·f² … k·f²+f²−1), written as `factor` (int64 scalar), `decoded_images` (float32
   * NCHW) and `decoded_labels` (int64). `images` stay the stored images. Only written when f > 1; readers that
   * do not know them ignore them (this one does too: `distill eval` decodes nothing and evaluates `images`).
   */
  multiFormation?: { factor: number; decoded: Float32Array };
  mean: readonly number[];
  std: readonly number[];
  /** Images per class when every class has the same number; null when the file does not say. */
  ipc: number | null;
  /** What the file says about where it came from (written as `meta`). */
  meta: NpzMeta;
}

/** Free-form provenance kept in the file's `meta` beside the dataset id and class names. */
export interface NpzMeta {
  app?: { name: string; version: string };
  method?: string;
  config?: unknown;
}

/** The `format` field of the `meta` JSON this writer produces. */
export const NPZ_FORMAT = 'distill-playground/npz@1';

/** Largest uncompressed member (256 MiB): CIFAR-10 at IPC 1000 as float64 is below it. */
export const MAX_NPY_BYTES = 2 ** 28;

export const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** The .npy element types the reader and writer know. */
export type Descr = '<f4' | '<f8' | '<i8' | '<i4' | '|u1' | '<u1';

/** How many of `labels` fall in each of `classes` classes. */
export function classCounts(labels: ArrayLike<number>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
  return counts;
}
