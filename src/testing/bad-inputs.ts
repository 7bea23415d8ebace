/**
 * The bad-input corpus: files, links and settings a user (or a tampered link) can hand the app, each with the
 * exact message it must get. One table per entry point, each entry point being the function the worker (or the
 * page, for links) calls on such input, so the tests run the real code path:
 *
 * - `DATASET_FILES`: a built-in dataset's files with one of them replaced → `decodeDataset` (the worker's
 *   `loadDataset` and the CLI's `--data` folder both decode through it);
 * - `IMPORTS`: a file dropped on the page's import → `readImport` (the worker's `importFile`);
 * - `LINKS`: a query string the page opens with → `configFromSearch`;
 * - `CLI_ARGS`: `distill` arguments → the command's one-line answer.
 *
 * Messages are written as the user reads them: `<file>: <problem>` for files. To add a case, add a row; the
 * tests in `src/testing/bad-inputs.test.ts` (unit), `src/cli/cli.test.ts` (the command) and
 * `e2e/bad-input.spec.ts` (the page) pick it up.
 */
import { DATASET_FILES } from './bad-inputs/files';
import { IMPORTS } from './bad-inputs/imports';
import { LINKS } from './bad-inputs/links';
import { CLI_ARGS } from './bad-inputs/cli-args';

export { DATASET_FILES, realFile, variantFiles, type BadDatasetFile } from './bad-inputs/files';
export { IMPORTS, type BadImport } from './bad-inputs/imports';
export { LINKS, type BadLink } from './bad-inputs/links';
export { CLI_ARGS, type BadArgs } from './bad-inputs/cli-args';

/** Every case of every table, counted (the closing note quotes it). */
export const CORPUS_SIZE = DATASET_FILES.length + IMPORTS.length + LINKS.length + CLI_ARGS.length;
