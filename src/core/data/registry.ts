/**
 * The built-in datasets: classes, shapes, normalisation, the exact files (sizes + sha256) and where to get them.
 * Sizes and hashes are those of the canonical published files (see ../shared/datasets/README.md).
 */
import { z } from 'zod';
import type { DatasetFile, DatasetId, DatasetManifest, DatasetSpec, DatasetVariant, DownloadSource } from './types';

/** The dataset ids, in the order the app lists them; MNIST (the default) first. */
export const DATASET_IDS: readonly DatasetId[] = ['mnist', 'fashion-mnist', 'cifar-10'];

/** The dataset the app opens by default, and the one `npm run datasets` must install. */
export const DEFAULT_DATASET_ID: DatasetId = 'mnist';

const MNIST_FILES: readonly DatasetFile[] = [
  {
    name: 'train-images-idx3-ubyte.gz',
    role: 'train-images',
    bytes: 9912422,
    sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
  },
  {
    name: 'train-labels-idx1-ubyte.gz',
    role: 'train-labels',
    bytes: 28881,
    sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
  },
  {
    name: 't10k-images-idx3-ubyte.gz',
    role: 'test-images',
    bytes: 1648877,
    sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
  },
  {
    name: 't10k-labels-idx1-ubyte.gz',
    role: 'test-labels',
    bytes: 4542,
    sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
  },
];

const FASHION_FILES: readonly DatasetFile[] = [
  {
    name: 'train-images-idx3-ubyte.gz',
    role: 'train-images',
    bytes: 26421880,
    sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
  },
  {
    name: 'train-labels-idx1-ubyte.gz',
    role: 'train-labels',
    bytes: 29515,
    sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
  },
  {
    name: 't10k-images-idx3-ubyte.gz',
    role: 'test-images',
    bytes: 4422102,
    sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
  },
  {
    name: 't10k-labels-idx1-ubyte.gz',
    role: 'test-labels',
    bytes: 5148,
    sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
  },
];

/** Bytes of one CIFAR-10 binary batch: 10000 records of 3073 bytes. */
export const CIFAR_BATCH_BYTES = 30730000;

const CIFAR_BINARY_FILES: readonly DatasetFile[] = [
  ...[1, 2, 3, 4, 5].map((i): DatasetFile => ({ name: `data_batch_${i}.bin`, role: 'train-batch', bytes: CIFAR_BATCH_BYTES })),
  { name: 'test_batch.bin', role: 'test-batch', bytes: CIFAR_BATCH_BYTES },
];

const CIFAR_ARCHIVE: DownloadSource = {
  kind: 'tar.gz',
  url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
  bytes: 170052171,
  md5: 'c32a1d4ab5d03f1284b67883e8d87530',
  members: Object.fromEntries(CIFAR_BINARY_FILES.map((f) => [f.name, `cifar-10-batches-bin/${f.name}`])),
};

/** Every built-in dataset by id. */
export const DATASETS: Record<DatasetId, DatasetSpec> = {
  mnist: {
    id: 'mnist',
    name: 'MNIST',
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    shape: [28, 28, 1],
    mean: [0.1307],
    std: [0.3081],
    variants: [
      {
        id: 'idx',
        description: 'the 4 original gzipped IDX files, 60000 training and 10000 test images',
        files: MNIST_FILES,
        download: [
          { kind: 'files', baseUrl: 'https://ossci-datasets.s3.amazonaws.com/mnist/' },
          { kind: 'files', baseUrl: 'https://storage.googleapis.com/cvdf-datasets/mnist/' },
        ],
        lacksTestSplit: false,
      },
    ],
    citation:
      'Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based learning applied to document recognition", ' +
      'Proceedings of the IEEE 86(11), 1998.',
  },
  'fashion-mnist': {
    id: 'fashion-mnist',
    name: 'Fashion-MNIST',
    classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    shape: [28, 28, 1],
    mean: [0.2861],
    std: [0.353],
    variants: [
      {
        id: 'idx',
        description: 'the 4 original gzipped IDX files, 60000 training and 10000 test images',
        files: FASHION_FILES,
        download: [{ kind: 'files', baseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/' }],
        lacksTestSplit: false,
      },
    ],
    citation:
      'H. Xiao, K. Rasul and R. Vollgraf, "Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning ' +
      'Algorithms", arXiv:1708.07747, 2017.',
  },
  'cifar-10': {
    id: 'cifar-10',
    name: 'CIFAR-10',
    classes: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
    shape: [32, 32, 3],
    mean: [0.4914, 0.4822, 0.4465],
    std: [0.2023, 0.1994, 0.201],
    variants: [
      {
        id: 'binary',
        description: 'the binary version, 5 training batches and the test batch (50000 + 10000 images)',
        files: CIFAR_BINARY_FILES,
        download: [CIFAR_ARCHIVE],
        lacksTestSplit: false,
      },
      {
        id: 'jpeg-zip',
        description:
          'all 60000 images as 32x32 JPEG files in class folders (train/<class>/ 5000 per class, test/<class>/ 1000 per class); ' +
          'JPEG is lossy, so accuracies are close to, not equal to, those on the binary version',
        files: [
          {
            name: 'cifar10-jpeg.zip',
            role: 'images-zip',
            bytes: 51984702,
            sha256: 'cd7a4371e075145697873ef11961d3a787889dbb1058f046d9987108fd0a738b',
            localPath: 'cifar-10-jpeg/cifar10-jpeg.zip',
          },
        ],
        download: [],
        lacksTestSplit: false,
        note:
          'CIFAR-10 here is the complete set (50000 training, 10000 test images) as JPEG files. JPEG is lossy: the pixels ' +
          'differ slightly from the original binary version, so accuracies are close to, not equal to, those measured on it.',
      },
      {
        id: 'partial-4000',
        description: 'a partial copy (the first 4000 records of data_batch_1.bin, no test batch)',
        files: [
          {
            name: 'data_batch_1.first4000.bin',
            role: 'train-batch',
            bytes: 12292000,
            sha256: '0993cf8b8e43bc207603aef9787006995746513f5e3fa5a52e06d1b069926330',
          },
        ],
        download: [],
        lacksTestSplit: true,
      },
    ],
    citation: 'A. Krizhevsky, "Learning Multiple Layers of Features from Tiny Images", technical report, 2009.',
  },
};

/** True when `id` names a built-in dataset. */
export function isDatasetId(id: string): id is DatasetId {
  return (DATASET_IDS as readonly string[]).includes(id);
}

/** The spec of a built-in dataset; throws on an unknown id. */
export function getDataset(id: DatasetId): DatasetSpec {
  const spec = (DATASETS as Partial<Record<string, DatasetSpec>>)[id];
  if (!spec) throw new Error(`unknown dataset '${String(id)}' (known: ${DATASET_IDS.join(', ')})`);
  return spec;
}

/** A variant of a dataset by id; throws naming the known variants when there is none. */
export function getVariant(spec: DatasetSpec, variantId: string): DatasetVariant {
  const variant = spec.variants.find((v) => v.id === variantId);
  if (!variant) {
    throw new Error(`${spec.name} has no variant '${variantId}' (known: ${spec.variants.map((v) => v.id).join(', ')})`);
  }
  return variant;
}

const manifestSchema = z.object({
  id: z.enum(['mnist', 'fashion-mnist', 'cifar-10']),
  variant: z.string(),
  files: z.array(
    z.object({
      name: z.string(),
      role: z.enum(['train-images', 'train-labels', 'test-images', 'test-labels', 'train-batch', 'test-batch', 'images-zip']),
      bytes: z.number().int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
});

/**
 * Validates a parsed manifest.json against the registry: a known id and variant, exactly the variant's files with
 * their registry sizes (and sha256 where the registry has one). Throws an Error saying what is wrong.
 */
export function parseManifest(value: unknown): DatasetManifest {
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') : '';
    throw new Error(`manifest.json is malformed${where ? ` at ${where}` : ''}: ${issue?.message ?? 'invalid'}`);
  }
  const manifest: DatasetManifest = parsed.data;
  const variant = getVariant(getDataset(manifest.id), manifest.variant);
  if (manifest.files.length !== variant.files.length) {
    throw new Error(`manifest.json lists ${manifest.files.length} files, variant '${variant.id}' has ${variant.files.length}`);
  }
  for (const file of variant.files) {
    const entry = manifest.files.find((f) => f.name === file.name);
    if (!entry) throw new Error(`manifest.json does not list ${file.name}`);
    if (entry.role !== file.role || entry.bytes !== file.bytes || (file.sha256 && entry.sha256 !== file.sha256)) {
      throw new Error(`manifest.json's entry for ${file.name} disagrees with the registry`);
    }
  }
  return manifest;
}
