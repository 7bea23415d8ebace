/**
 * `npm run datasets [ids...] [--no-download]`: installs the datasets under public/datasets/ (see datasets-lib.ts).
 * Source: DATASETS_DIR (a folder laid out like ../shared/datasets) when set, then the public download locations.
 * Exits non-zero only when MNIST, the default dataset, is asked for and cannot be had.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATASET_IDS, isDatasetId } from '../src/core/data/registry';
import type { DatasetId } from '../src/core/data/types';
import { installDatasets } from './datasets-lib';

const args = process.argv.slice(2);
const usage = `usage: npm run datasets -- [${DATASET_IDS.join('|')} ...] [--no-download]
  env DATASETS_DIR: a folder laid out like ../shared/datasets (<dir>/<id>/<file>), tried before downloading`;

if (args.includes('--help') || args.includes('-h')) {
  console.log(usage);
  process.exit(0);
}
const unknown = args.filter((a) => !isDatasetId(a) && a !== '--no-download');
if (unknown.length > 0) {
  console.error(`unknown argument(s): ${unknown.join(' ')}\n${usage}`);
  process.exit(2);
}
const ids = args.filter(isDatasetId) as DatasetId[];
const datasetsDir = process.env.DATASETS_DIR ? path.resolve(process.env.DATASETS_DIR) : undefined;
const publicDir = fileURLToPath(new URL('../public/datasets/', import.meta.url));

console.log(
  datasetsDir ? `DATASETS_DIR=${datasetsDir}` : 'DATASETS_DIR is not set: files not already in place are downloaded',
);
const report = await installDatasets({
  ids: ids.length > 0 ? ids : DATASET_IDS,
  datasetsDir,
  publicDir,
  download: !args.includes('--no-download'),
});
process.exitCode = report.ok ? 0 : 1;
