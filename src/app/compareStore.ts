/**
 * The run comparison (plain data): configurations queued by the user, run one after another in the one worker
 * through the app store's start() (so the page's live panels show each run), each evaluated at the same points
 * under the same settings; each entry keeps its config (its link), curves, final images and fingerprint.
 */
import { create } from 'zustand';
import type { EvalReport, EvalSchedule, ImageGrid, LossPoint, RunConfig } from '../shared/protocol';
import { defaultEvalEvery } from '../shared/eval-schedule';
import { canStart, useApp } from './store';
import { useEval } from './evalStore';
import { nextQueued, pairFrom, requeue, sameConfig, type CompareStatus, type PairKind } from './lib/compare';

/** More runs than this make the charts unreadable (and the wait long). */
export const MAX_COMPARED = 6;

export interface CompareEntry {
  id: string;
  config: RunConfig;
  status: CompareStatus;
  /** When and how it was evaluated (set when it starts). */
  schedule: EvalSchedule | null;
  lossPoints: LossPoint[];
  evals: EvalReport[];
  grid: ImageGrid | null;
  syntheticSha256: string | null;
  backend: string | null;
  iterationsDone: number;
  error: string | null;
}

interface CompareState {
  entries: CompareEntry[];
  running: boolean;
  /** Why the last add or run did nothing (a duplicate, the limit, a run already going). */
  notice: string | null;
  /** Add configurations (duplicates of ones already listed are skipped, and said so). */
  add: (configs: RunConfig[]) => void;
  addCurrent: () => void;
  /** The current settings twice, changing only the compared choice (DREAM vs uniform, importance vs random init). */
  addPair: (kind: PairKind) => void;
  remove: (id: string) => void;
  clear: () => void;
  /** Run every entry that has not finished, one after another. */
  runAll: () => Promise<void>;
  /** Stop the running entry and run no more. */
  cancel: () => Promise<void>;
}

let nextId = 1;
let cancelRequested = false;

function entryFor(config: RunConfig): CompareEntry {
  return { id: `c${nextId++}`, config, status: 'queued', schedule: null, lossPoints: [], evals: [], grid: null, syntheticSha256: null, backend: null, iterationsDone: 0, error: null };
}

export const useCompare = create<CompareState>((set, get) => {
  const update = (id: string, patch: Partial<CompareEntry>) => set({ entries: get().entries.map((e) => (e.id === id ? { ...e, ...patch } : e)) });

  return {
    entries: [],
    running: false,
    notice: null,

    add(configs) {
      const entries = [...get().entries];
      const skipped: string[] = [];
      for (const config of configs) {
        if (entries.some((e) => sameConfig(e.config, config))) skipped.push('already listed');
        else if (entries.length >= MAX_COMPARED) skipped.push(`at most ${MAX_COMPARED} runs`);
        else entries.push(entryFor(structuredClone(config)));
      }
      const notice = skipped.length
        ? `${skipped.length === configs.length ? 'Nothing added' : `${configs.length - skipped.length} of ${configs.length} added`}: ${[...new Set(skipped)].join('; ')}.`
        : null;
      set({ entries, notice });
    },

    addCurrent() {
      const s = useApp.getState();
      get().add([{ ...s.config, dataset: s.datasetId }]);
    },

    addPair(kind) {
      const s = useApp.getState();
      get().add(pairFrom({ ...s.config, dataset: s.datasetId }, kind));
    },

    remove(id) {
      const e = get().entries.find((x) => x.id === id);
      if (!e || e.status === 'running') return;
      set({ entries: get().entries.filter((x) => x.id !== id), notice: null });
    },

    clear() {
      if (get().running) return;
      set({ entries: [], notice: null });
    },

    async runAll() {
      if (get().running) return;
      if (!canStart(useApp.getState())) {
        set({ notice: 'Wait for the dataset to load and for the current run to end (or stop it), then run the comparison.' });
        return;
      }
      cancelRequested = false;
      set({ running: true, notice: null, entries: requeue(get().entries) });
      try {
        for (let entry = nextQueued(get().entries); entry && !cancelRequested; entry = nextQueued(get().entries)) {
          const { id, config } = entry;
          if (useApp.getState().datasetId !== config.dataset || useApp.getState().datasetStatus !== 'ready') await useApp.getState().loadDataset(config.dataset);
          const app = useApp.getState();
          if (!canStart(app)) {
            update(id, { status: 'error', error: app.loadError ?? 'The run could not start (the dataset or the backend is not ready).' });
            break;
          }
          const ev = useEval.getState();
          // A comparison always measures accuracy during its runs: "evaluate every" if set, else five points per run.
          const schedule: EvalSchedule = { every: ev.every >= 1 ? ev.every : defaultEvalEvery(config.iterations), request: ev.request };
          update(id, { status: 'running', schedule, error: null, lossPoints: [], evals: [], grid: null, syntheticSha256: null, iterationsDone: 0 });
          const before = app.currentRunId;
          await app.start(undefined, { config, evaluate: schedule });
          const a = useApp.getState();
          if (a.currentRunId === before) {
            update(id, { status: 'error', error: 'The run did not start; press Run comparison again.' });
            break;
          }
          update(id, {
            status: a.runStatus === 'error' ? 'error' : a.doneReason === 'completed' ? 'done' : 'stopped',
            error: a.runStatus === 'error' ? (a.error?.message ?? 'The run failed.') : null,
            lossPoints: a.lossPoints,
            evals: a.evalPoints,
            grid: a.grid,
            syntheticSha256: a.syntheticSha256,
            backend: a.runBackend,
            iterationsDone: a.iteration,
          });
        }
      } finally {
        set({ running: false });
      }
    },

    async cancel() {
      if (!get().running) return;
      cancelRequested = true;
      await useApp.getState().stop();
    },
  };
});
