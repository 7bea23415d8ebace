/** Evaluation state (plain data): the request, progress and the last report, beside the run's store. */
import { create } from 'zustand';
import * as engine from './engine';
import { DEFAULT_EVAL_REQUEST, type EvalProgress, type EvalReport, type EvalRequest } from '../shared/protocol';
import { errorMessage } from './lib/format';

export type EvalStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'error';

interface EvalState {
  request: EvalRequest;
  status: EvalStatus;
  progress: EvalProgress | null;
  report: EvalReport | null;
  error: string | null;
  setRequest: (patch: Partial<EvalRequest>) => void;
  evaluate: () => Promise<void>;
  cancel: () => void;
  /** Forget the last report (the set it was about is no longer the one shown). */
  reset: () => void;
}

export const useEval = create<EvalState>((set, get) => ({
  request: DEFAULT_EVAL_REQUEST,
  status: 'idle',
  progress: null,
  report: null,
  error: null,
  setRequest: (patch) => set({ request: { ...get().request, ...patch } }),
  async evaluate() {
    if (get().status === 'running') return;
    set({ status: 'running', progress: null, error: null });
    try {
      const report = await engine.evaluate(get().request, (progress) => set({ progress }));
      set({ status: 'done', report });
    } catch (err) {
      const message = errorMessage(err);
      set(/cancelled/i.test(message) ? { status: 'cancelled' } : { status: 'error', error: message });
    }
  },
  reset() {
    if (get().status !== 'running') set({ status: 'idle', progress: null, report: null, error: null });
  },
  cancel() {
    if (get().status === 'running') void engine.cancelEvaluation();
  },
}));
