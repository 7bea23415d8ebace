/**
 * The saved-runs slice: the runs this browser keeps (IndexedDB), the record the current run writes to (at each
 * checkpoint and at its end), and going on with a saved run from its last checkpoint.
 */
import type { StateCreator } from 'zustand';
import { errorMessage } from '../lib/format';
import * as runsDb from '../lib/runs-db';
import type { SavedRun, SavedRunSummary } from '../lib/runs-db';
import { isRunActive, type AppState, type StoreContext } from './shared';

export interface SavedRunsSlice {
  savedRuns: SavedRunSummary[];
  /** The saved run the current run writes to. */
  currentRunId: string | null;
  /** The iteration of the current run's latest saved checkpoint. */
  savedIteration: number | null;
  /** Why runs are not being saved (quota, no IndexedDB); the run itself goes on. */
  saveError: string | null;
  refreshSavedRuns: () => Promise<void>;
  /** Go on with a saved run from its last checkpoint (loads its dataset and config first). */
  resumeSaved: (id: string) => Promise<void>;
  deleteSaved: (id: string) => Promise<void>;
  clearSaved: () => Promise<void>;
}

/**
 * Save the current run's record with `patch` applied (nothing when there is none). Saves go one after another (a
 * later save never lands before an earlier one); a failed one is reported in `saveError` and the run goes on.
 */
export function save({ set, get, rt }: StoreContext, patch: Partial<SavedRun>): void {
  if (!rt.record) return;
  rt.record = { ...rt.record, ...patch, updatedAt: Date.now() };
  const snapshot = rt.record;
  rt.saving = rt.saving
    .then(() => runsDb.saveRun(snapshot))
    .then(() => {
      // The list changes in memory: no re-read of every saved run (and its checkpoint) at each save.
      const entry = runsDb.summarise(snapshot);
      const others = get().savedRuns.filter((r) => r.id !== entry.id);
      set({ savedRuns: [entry, ...others].sort((x, y) => y.createdAt - x.createdAt) });
      if (snapshot.checkpoint && get().currentRunId === snapshot.id) set({ savedIteration: snapshot.checkpoint.iteration });
    })
    .catch((err: unknown) => set({ saveError: errorMessage(err) }));
}

export const createSavedRunsSlice: StateCreator<AppState, [], [], SavedRunsSlice> = (set, get) => ({
  savedRuns: [],
  currentRunId: null,
  savedIteration: null,
  saveError: null,

  async refreshSavedRuns() {
    try {
      set({ savedRuns: await runsDb.listRuns() });
    } catch (err) {
      set({ saveError: errorMessage(err) });
    }
  },

  async resumeSaved(id) {
    if (isRunActive(get().runStatus)) return;
    let saved: SavedRun | undefined;
    try {
      saved = await runsDb.loadRun(id);
    } catch (err) {
      set({ saveError: errorMessage(err) });
      return;
    }
    if (!saved?.checkpoint) return;
    if (get().datasetId !== saved.config.dataset || get().datasetStatus !== 'ready') await get().loadDataset(saved.config.dataset);
    if (get().datasetStatus !== 'ready') return;
    set({ config: saved.config });
    await get().start(saved);
  },

  async deleteSaved(id) {
    try {
      await runsDb.deleteRun(id);
    } catch (err) {
      set({ saveError: errorMessage(err) });
    }
    await get().refreshSavedRuns();
  },

  async clearSaved() {
    try {
      await runsDb.clearRuns();
    } catch (err) {
      set({ saveError: errorMessage(err) });
    }
    await get().refreshSavedRuns();
  },
});
