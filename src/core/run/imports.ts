/**
 * Files a user brings back into the app: a distilled set (`.npz`, from this app, the CLI or `np.savez`) or a run
 * record (`.json`, the CLI's `--out` or the page's export). Both are untrusted: sizes are checked before anything
 * is parsed, and every problem is a DatasetFormatError naming the file and what is wrong.
 */
import { DatasetFormatError } from '../data/errors';
import { decodeNpz, forEvaluation } from '../data/npz';
import { getDataset } from '../data/registry';
import type { DatasetId } from '../data/types';
import { sha256Hex } from '../data/sha256';
import { runRecordSchema, type RunRecord } from './record';
import { MAX_IMPORT_BYTES, validateRunConfig } from '../../shared/config';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../shared/protocol';

/** The largest file accepted for import (shared/config.ts; a CIFAR-10 set at IPC 50 as float64 is about 25 MiB). */
export { MAX_IMPORT_BYTES };
/** The largest run record (JSON) accepted: records of 100,000 iterations are about 6 MiB. */
export const MAX_RECORD_BYTES = 2 ** 25;

export interface ImportedSet {
  kind: 'set';
  file: string;
  sha256: string;
  dataset: DatasetId;
  ipc: number;
  /** Class-major NHWC pixels in the dataset's normalisation (re-normalised if the file's differs). */
  pixels: Float32Array;
  /**
   * The configuration to evaluate or continue it with: the file's own (meta.config) when it is a valid one, else
   * the defaults; dataset and ipc always those of the set. `configNote` says which.
   */
  config: RunConfig;
  configNote: string;
  /** The file's soft_labels ([N, classes], class-major like `pixels`), when it has them (KRR with learned labels). */
  softLabels?: Float32Array;
}

export interface ImportedRecord {
  kind: 'record';
  file: string;
  record: RunRecord;
  /** The record's configuration, checked against the page's limits. */
  config: RunConfig;
}

export type Imported = ImportedSet | ImportedRecord;

/** Which kind of file these bytes are, by content (the name's extension only breaks no ties). */
function sniff(bytes: Uint8Array): 'npz' | 'json' | null {
  if (bytes.length >= 2 && bytes[0] === 0x50 && bytes[1] === 0x4b) return 'npz';
  let i = 0;
  // A UTF-8 byte-order mark and leading white space are allowed before a JSON document.
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return bytes[i] === 0x7b ? 'json' : null;
}

/** Reads an imported file; throws a DatasetFormatError that says what is wrong with it. */
export async function readImport(bytes: Uint8Array, file: string): Promise<Imported> {
  const fail = (problem: string): never => {
    throw new DatasetFormatError(file, problem);
  };
  if (bytes.length === 0) fail('the file is empty');
  if (bytes.length > MAX_IMPORT_BYTES) fail(`the file has ${bytes.length} bytes; at most ${MAX_IMPORT_BYTES} are accepted`);
  const kind = sniff(bytes);
  if (kind === 'npz') return readSet(bytes, file);
  if (kind === 'json') return readRecord(bytes, file);
  return fail('neither a .npz set (a zip archive) nor a run record (JSON): export one from this page or the distill command');
}

async function readSet(bytes: Uint8Array, file: string): Promise<ImportedSet> {
  const set = decodeNpz(bytes, { file });
  let evaluable: { pixels: Float32Array; ipc: number; softLabels?: Float32Array };
  try {
    evaluable = forEvaluation(set);
  } catch (err) {
    throw new DatasetFormatError(file, err instanceof Error ? err.message : String(err));
  }
  const { pixels, ipc, softLabels } = evaluable;
  const base: RunConfig = { ...DEFAULT_RUN_CONFIG, dataset: set.dataset };
  let config: RunConfig;
  let configNote: string;
  const own = set.meta.config === undefined ? null : validateRunConfig(set.meta.config);
  if (own?.ok) {
    config = { ...own.config, dataset: set.dataset, ipc };
    configNote = `the file's own configuration (${own.config.method.toUpperCase()}, seed ${own.config.seed})`;
  } else {
    config = { ...base, ipc };
    configNote = own ? `the defaults (the file's configuration is not usable here: ${own.errors[0]})` : 'the defaults (the file carries no configuration)';
  }
  if (ipc > 50) throw new DatasetFormatError(file, `the set has ${ipc} images per class; the page works with at most 50`);
  return { kind: 'set', file, sha256: await sha256Hex(bytes), dataset: set.dataset, ipc, pixels, config, configNote, ...(softLabels ? { softLabels } : {}) };
}

function readRecord(bytes: Uint8Array, file: string): ImportedRecord {
  const fail = (problem: string): never => {
    throw new DatasetFormatError(file, problem);
  };
  if (bytes.length > MAX_RECORD_BYTES) fail(`a run record of ${bytes.length} bytes is too large (at most ${MAX_RECORD_BYTES})`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    fail(`not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const schema = (json as { schema?: unknown } | null)?.schema;
  if (schema !== 'distill-playground/run-record@1') {
    fail(
      typeof schema === 'string'
        ? `a '${schema.slice(0, 60)}' document, not a run record (distill-playground/run-record@1)`
        : 'not a run record: it has no "schema": "distill-playground/run-record@1"',
    );
  }
  const parsed = runRecordSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail(`not a valid run record: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const record = parsed.data!;
  if (record.config.dataset === 'custom') {
    fail('the run used a dataset uploaded in the page (custom); its record cannot be loaded back here, only read');
  }
  getDataset(record.config.dataset as DatasetId);
  // The raw config, not the parsed one: the record's schema drops fields it does not know, and a configuration
  // with a setting this page does not have cannot be reproduced here.
  const checked = validateRunConfig((json as { config: unknown }).config);
  if (!checked.ok) fail(`its configuration is outside what the page runs: ${checked.errors.join('; ')}`);
  return { kind: 'record', file, record, config: (checked as { config: RunConfig }).config };
}
