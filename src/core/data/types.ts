/** Identifiers of the built-in datasets. */
export type DatasetId = 'mnist' | 'fashion-mnist' | 'cifar-10';

/** What a run config's `dataset` may name: a built-in dataset, or the one the user uploaded in the page. */
export type RunDatasetId = DatasetId | 'custom';

/** What a file is for inside a dataset. */
export type FileRole = 'train-images' | 'train-labels' | 'test-images' | 'test-labels' | 'train-batch' | 'test-batch' | 'images-zip';

/** One file of a dataset as published, with what verifies it. */
export interface DatasetFile {
  /** File name under public/datasets/<id>/ (and in DATASETS_DIR/<id>/). */
  name: string;
  role: FileRole;
  /** Exact byte size. */
  bytes: number;
  /**
   * Lower-case hex sha256 of the file's bytes. Absent when no trustworthy hash is published (the CIFAR-10 binary
   * batches): such files are verified through their archive's md5, and their sha256 is then recorded in the manifest.
   */
  sha256?: string;
  /** Where the file lies under DATASETS_DIR when not at `<id>/<name>` (e.g. `cifar-10-jpeg/cifar10-jpeg.zip`). */
  localPath?: string;
}

/** A file as installed: always with the sha256 of the bytes that were verified. */
export interface ManifestFile extends DatasetFile {
  sha256: string;
}

/** A dataset in the registry: what it is, how to normalise it, and where to get it. */
export interface DatasetSpec {
  /** 'custom' for a dataset the user uploaded (it has no variants). */
  id: RunDatasetId;
  name: string;
  classes: readonly string[];
  /** Image shape as [height, width, channels]. */
  shape: readonly [number, number, number];
  /** Per-channel normalisation applied to pixel/255. */
  mean: readonly number[];
  std: readonly number[];
  /** One or more alternative file sets ("variants"), tried in order; see registry.ts. */
  variants: readonly DatasetVariant[];
  citation: string;
}

/** A complete set of files that together make the dataset usable. */
export interface DatasetVariant {
  id: string;
  description: string;
  files: readonly DatasetFile[];
  /** Where to download the files (each URL is tried in turn), if public; empty when only local copies exist. */
  download: readonly DownloadSource[];
  /** True when the variant has no test split, so the loader holds out part of the training records. */
  lacksTestSplit: boolean;
  /** What the page says about this variant beside its sample grid (e.g. that its images are lossy JPEGs). */
  note?: string;
}

/**
 * A download location: either every file at base + name, or an archive that holds them
 * (`members` maps each file name of the variant to its path inside the archive; the archive is verified by size + md5).
 */
export type DownloadSource =
  | { kind: 'files'; baseUrl: string }
  | { kind: 'tar.gz'; url: string; bytes: number; md5: string; members: Record<string, string> };

/** Decoded images: `count` images of height x width x channels uint8 pixels, interleaved (HWC), with labels. */
export interface ImageSet {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

/** A parsed dataset ready for distillation. */
export interface LoadedDataset {
  spec: DatasetSpec;
  variant: string;
  train: ImageSet;
  test: ImageSet;
  /** Set when the test split was carved out of the training records; says how. */
  heldOutNote?: string;
}

/** The manifest `npm run datasets` writes beside the files, read by the app to know what it has. */
export interface DatasetManifest {
  id: DatasetId;
  variant: string;
  files: ManifestFile[];
}
