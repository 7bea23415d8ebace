/** Evaluation state (plain data): the request, progress and the last report, beside the run's store. */
import { create } from 'zustand';
import * as engine from './engine';
import { DEFAULT_EVAL_REQUEST, type EvalProgress, type EvalReport, type EvalRequest, type EvalSetName } from '../shared/protocol';
import { errorMessage } from './lib/format';

export type EvalStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'error';

interface EvalState {
  request: EvalRequest;
  /** Evaluate during runs every this many iterations (and at the start and the end); 0: off. */
  every: number;
  setEvery: (every: number) => void;
  status: EvalStatus;
  progress: EvalProgress | null;
  /** The running evaluation's networks tested so far, in order: each one's set and test accuracy (0..1). */
  tested: { set: EvalSetName; accuracy: number }[];
  report: EvalReport | null;
  error: string | null;
  setRequest: (patch: Partial<EvalRequest>) => void;
  evaluate: () => Promise<void>;
  cancel: () => void;
  /** Show a report made elsewhere (a run's evaluation at its last iteration). */
  show: (report: EvalReport) => void;
  /** Forget the last report (the set it was about is no longer the one shown). */
  reset: () => void;
}

export const useEval = create<EvalState>((set, get) => ({
  request: DEFAULT_EVAL_REQUEST,
  every: 0,
  setEvery: (every) => set({ every }),
  status: 'idle',
  progress: null,
  tested: [],
  report: null,
  error: null,
  setRequest: (patch) => set({ request: { ...get().request, ...patch } }),
  async evaluate() {
    if (get().status === 'running') return;
    set({ status: 'running', progress: null, tested: [], error: null });
    try {
      const report = await engine.evaluate(get().request, (progress) =>
        set(progress.accuracy === undefined ? { progress } : { progress, tested: [...get().tested, { set: progress.set, accuracy: progress.accuracy }] }),
      );
      set({ status: 'done', report });
    } catch (err) {
      const message = errorMessage(err);
      set(/cancelled/i.test(message) ? { status: 'cancelled' } : { status: 'error', error: message });
    }
  },
  show(report) {
    if (get().status !== 'running') set({ status: 'done', report, progress: null, error: null });
  },
  reset() {
    if (get().status !== 'running') set({ status: 'idle', progress: null, report: null, error: null });
  },
  cancel() {
    if (get().status === 'running') void engine.cancelEvaluation();
  },
}));
