/**
 * The Teaching lab's state (plain data) and actions: its settings, the run's progress and curve as the worker
 * streams them (LabEvent, src/shared/lab.ts), and start/stop through the engine. Separate from the app's store:
 * the lab shares nothing with a distillation run but the worker.
 */
import { create } from 'zustand';
import { cancelLab, runLab } from '../../engine';
import { LAB_PRESETS, labConfigSchema, type LabAccuracy, type LabConfig, type LabCurvePoint, type LabEvent, type LabResult } from '../../../shared/lab';

export type LabStatus = 'idle' | 'running' | 'stopping' | 'done' | 'stopped' | 'error';

/** One point of the live trace: the current distillation's subspace fraction and loss by iteration. */
export interface LabTracePoint {
  iteration: number;
  fraction: number;
  loss: number;
}

export interface LabState {
  config: LabConfig;
  /** The preset the settings came from (null once one is changed). */
  presetId: string | null;
  status: LabStatus;
  chance: number | null;
  full: LabAccuracy | null;
  curve: LabCurvePoint[];
  /** The distillation in progress: its m, the trace so far, and the whole run's fraction done. */
  live: { index: number; m: number; trace: LabTracePoint[]; evaluating: boolean; fractionDone: number } | null;
  result: LabResult | null;
  error: string | null;
  /** The types of the events received, in order (what a test can wait on: it lasts). */
  log: LabEvent['type'][];
  setConfig: (patch: Partial<LabConfig>) => void;
  applyPreset: (id: string) => void;
  start: () => Promise<void>;
  stop: () => Promise<void>;
}

const first = LAB_PRESETS[0]!;

export const useLab = create<LabState>()((set, get) => ({
  config: first.config,
  presetId: first.id,
  status: 'idle',
  chance: null,
  full: null,
  curve: [],
  live: null,
  result: null,
  error: null,
  log: [],
  setConfig: (patch) => set((s) => ({ config: { ...s.config, ...patch }, presetId: null })),
  applyPreset: (id) => {
    const preset = LAB_PRESETS.find((p) => p.id === id);
    if (preset) set({ config: preset.config, presetId: preset.id });
  },
  start: async () => {
    const { status, config } = get();
    if (status === 'running' || status === 'stopping') return;
    const parsed = labConfigSchema.safeParse(config);
    if (!parsed.success) {
      set({ status: 'error', error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      return;
    }
    set({ status: 'running', chance: null, full: null, curve: [], live: null, result: null, error: null, log: [] });
    const onEvent = (e: LabEvent) => {
      set((s) => ({ log: [...s.log, e.type] }));
      switch (e.type) {
        case 'lab-started':
          set({ chance: e.chance, full: e.full });
          break;
        case 'lab-progress':
          set((s) => {
            const same = s.live && s.live.index === e.index;
            const trace = [...(same ? s.live!.trace : []), { iteration: e.iteration, fraction: e.fraction, loss: e.loss }];
            return { live: { index: e.index, m: e.m, trace, evaluating: false, fractionDone: e.fractionDone } };
          });
          break;
        case 'lab-evaluating':
          set((s) => ({ live: s.live ? { ...s.live, evaluating: true } : { index: e.index, m: e.m, trace: [], evaluating: true, fractionDone: 0 } }));
          break;
        case 'lab-point':
          set((s) => ({ curve: [...s.curve, e.point] }));
          break;
        case 'lab-done':
          set({ result: e.result, status: e.reason === 'completed' ? 'done' : 'stopped', curve: e.result.curve });
          break;
      }
    };
    try {
      await runLab(parsed.data, onEvent);
    } catch (err) {
      set({ status: 'error', error: err instanceof Error ? err.message : String(err) });
    }
  },
  stop: async () => {
    if (get().status !== 'running') return;
    set({ status: 'stopping' });
    await cancelLab();
  },
}));

