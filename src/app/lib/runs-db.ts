/**
 * Saved runs in IndexedDB (through `idb`): each run's config, loss curve and latest checkpoint, so the run list
 * survives a reload or a closed tab and an interrupted run resumes from where it was saved. Plain data only.
 * A failed write (quota, private mode) is reported to the caller and never touches what is already saved.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { BackendName, LossPoint, RunCheckpoint, RunConfig } from '../../shared/protocol';

export type SavedRunStatus = 'running' | 'done' | 'stopped';

export interface SavedRun {
  id: string;
  createdAt: number;
  updatedAt: number;
  config: RunConfig;
  backend: BackendName | null;
  /** 'running' in the database after the page is gone means the run was interrupted. */
  status: SavedRunStatus;
  iteration: number;
  lossPoints: LossPoint[];
  checkpoint: RunCheckpoint | null;
  syntheticSha256: string | null;
}

/** What the run list shows (no checkpoint, no curve). */
export type SavedRunSummary = Omit<SavedRun, 'checkpoint' | 'lossPoints'> & { checkpointIteration: number | null };

interface Schema extends DBSchema {
  runs: { key: string; value: SavedRun; indexes: { byCreated: number } };
}

const DB_NAME = 'distill-playground';
let db: Promise<IDBPDatabase<Schema>> | null = null;

function open(): Promise<IDBPDatabase<Schema>> {
  if (typeof indexedDB === 'undefined') return Promise.reject(new Error('This browser offers no IndexedDB: runs cannot be saved.'));
  db ??= openDB<Schema>(DB_NAME, 1, {
    upgrade(d) {
      const runs = d.createObjectStore('runs', { keyPath: 'id' });
      runs.createIndex('byCreated', 'createdAt');
    },
  });
  // A failed open (blocked, private mode) may succeed later.
  db.catch(() => (db = null));
  return db;
}

export function newRunId(): string {
  return `run-${Date.now().toString(36)}-${Math.floor(Math.random() * 0x7fffffff).toString(36)}`;
}

/** Saves (replaces) a run. Rejects with a message that says what to do when the browser refuses. */
export async function saveRun(run: SavedRun): Promise<void> {
  try {
    await (await open()).put('runs', run);
  } catch (err) {
    const name = err instanceof DOMException ? err.name : '';
    if (name === 'QuotaExceededError') {
      throw new Error('The browser’s storage for this site is full: this run’s progress is not being saved. Delete old saved runs to make room; runs already saved are kept.');
    }
    throw new Error(`The run could not be saved (${err instanceof Error ? err.message : String(err)}); runs already saved are kept.`);
  }
}

export async function loadRun(id: string): Promise<SavedRun | undefined> {
  return (await open()).get('runs', id);
}

/** A run as the list shows it. */
export function summarise({ checkpoint, lossPoints: _l, ...rest }: SavedRun): SavedRunSummary {
  return { ...rest, checkpointIteration: checkpoint?.iteration ?? null };
}

/** Every saved run, newest first, without checkpoints and curves. */
export async function listRuns(): Promise<SavedRunSummary[]> {
  const all = await (await open()).getAllFromIndex('runs', 'byCreated');
  return all.reverse().map(summarise);
}

export async function deleteRun(id: string): Promise<void> {
  await (await open()).delete('runs', id);
}

export async function clearRuns(): Promise<void> {
  await (await open()).clear('runs');
}
