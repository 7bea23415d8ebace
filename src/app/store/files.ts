/**
 * The files slice: importing a `.npz` set or a run record chosen by the user (and distilling further from an
 * imported set), and exporting the latest set as a `.npz`, a PNG grid or a run record.
 */
import type { StateCreator } from 'zustand';
import { MAX_IMPORT_BYTES } from '../../shared/config';
import type { ExportKind, ImportSummary } from '../../shared/protocol';
import * as engine from '../engine';
import { useEval } from '../evalStore';
import { downloadFile } from '../lib/download';
import { errorMessage } from '../lib/format';
import { APP_VERSION } from '../lib/url';
import { isRunActive, RUN_RESET, type AppState } from './shared';

export interface FilesSlice {
  /** The imported `.npz` set (what Evaluate works on until a run ends, and what a run can continue from). */
  imported: Extract<ImportSummary, { kind: 'set' }> | null;
  /** The imported run record (its config went to the controls; a run with it should give its fingerprint). */
  importedRecord: Extract<ImportSummary, { kind: 'record' }> | null;
  importStatus: 'idle' | 'reading' | 'error';
  /** Why the last import failed (the file is named); what was loaded before is untouched. */
  importError: string | null;
  /** The export being prepared, and why the last one failed. */
  exporting: ExportKind | null;
  exportError: string | null;
  /** Read a `.npz` set or a run record chosen by the user. */
  importFile: (file: File) => Promise<void>;
  /** Distil further from the imported set (its dataset and images per class, the other settings from the controls). */
  continueFromImport: () => Promise<void>;
  dismissImport: () => void;
  /** Download the latest set as a `.npz`, a PNG grid or a run record. */
  exportSet: (kind: ExportKind) => Promise<void>;
}

export const createFilesSlice: StateCreator<AppState, [], [], FilesSlice> = (set, get) => ({
  imported: null,
  importedRecord: null,
  importStatus: 'idle',
  importError: null,
  exporting: null,
  exportError: null,

  async importFile(file) {
    // A file can be checked while a run goes on (a bad one is named and changes nothing); a good one is used
    // only once no run is active.
    if (get().importStatus === 'reading') return;
    set({ importStatus: 'reading', importError: null });
    let summary: ImportSummary;
    try {
      if (file.size > MAX_IMPORT_BYTES) {
        throw new Error(`${file.name}: the file has ${file.size} bytes; at most ${MAX_IMPORT_BYTES} are accepted`);
      }
      summary = await engine.importFile(new Uint8Array(await file.arrayBuffer()), file.name);
    } catch (err) {
      set({ importStatus: 'error', importError: errorMessage(err) });
      return;
    }
    if (isRunActive(get().runStatus)) {
      const what = summary.kind === 'record' ? 'a run record (its configuration replaces the controls)' : 'a .npz set';
      set({ importStatus: 'error', importError: `${summary.file}: ${what}; stop the run, or let it finish, before importing it` });
      return;
    }
    set({ importStatus: 'idle' });
    if (get().datasetId !== summary.config.dataset || get().datasetStatus !== 'ready') await get().loadDataset(summary.config.dataset);
    if (get().datasetStatus !== 'ready') return;
    if (summary.kind === 'record') {
      set({ config: summary.config, importedRecord: summary });
      return;
    }
    // The imported set is now what Evaluate and the exports work on.
    set({
      ...RUN_RESET,
      config: summary.config,
      imported: summary,
      runConfig: summary.config,
      grid: summary.grid,
      gridIteration: 0,
    });
    useEval.getState().reset();
  },

  async continueFromImport() {
    const { imported } = get();
    if (!imported || isRunActive(get().runStatus)) return;
    set({ config: { ...get().config, dataset: imported.dataset, ipc: imported.ipc } });
    await get().start(undefined, { fromImport: true });
  },

  dismissImport() {
    set({ imported: null, importedRecord: null, importError: null, importStatus: 'idle' });
  },

  async exportSet(kind) {
    if (get().exporting) return;
    set({ exporting: kind, exportError: null });
    try {
      const file = await engine.exportSet(kind, { lossPoints: get().lossPoints, app: { name: 'distill-playground', version: APP_VERSION } });
      downloadFile(file.bytes, file.name, file.mime);
      set({ exporting: null });
    } catch (err) {
      set({ exporting: null, exportError: errorMessage(err) });
    }
  },
});
