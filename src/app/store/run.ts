/**
 * The run slice: the current (or last) run's state as the engine reports it (`./runEvents.ts` folds the events
 * in), and run control: start, pause, resume, step, stop, reset.
 */
import type { StateCreator } from 'zustand';
import type {
  BackendName,
  EvalProgress,
  EvalReport,
  EvalSchedule,
  ImageGrid,
  LossPoint,
  RunConfig,
  SelectionView,
} from '../../shared/protocol';
import { estimateRunBytes, memoryRefusal } from '../../shared/memory';
import * as engine from '../engine';
import { useEval } from '../evalStore';
import { errorMessage } from '../lib/format';
import * as runsDb from '../lib/runs-db';
import type { SavedRun } from '../lib/runs-db';
import { handleRunEvent } from './runEvents';
import { save } from './savedRuns';
import { canStart, isMoot, isRunActive, RUN_RESET, wait, type AppState, type RunStatus, type Runtime, type StoreContext } from './shared';

export interface RunSlice {
  /** The configuration of the current (or last) run, as the engine echoed it. */
  runConfig: RunConfig | null;
  runStatus: RunStatus;
  runBackend: BackendName | null;
  /** A pause/resume/step/stop was asked for and the engine has not confirmed it yet. */
  pending: 'pause' | 'resume' | 'step' | 'stop' | null;
  doneReason: 'completed' | 'stopped' | null;
  /** sha256 of the final synthetic set (from the engine's 'done'): equal for equal links on one backend. */
  syntheticSha256: string | null;
  /** What the method reported about the final set (the engine's 'done'), by name; null when nothing. */
  readouts: Record<string, number> | null;
  lossPoints: LossPoint[];
  /** Evaluations during the run (at its evaluation points), in iteration order. */
  evalPoints: EvalReport[];
  /** The evaluation the run is waiting for, while it lasts. */
  evalProgress: { iteration: number; progress: EvalProgress } | null;
  /** A diverged run's last good state (its iteration), which Evaluate and the exports work on; null otherwise. */
  lastGood: number | null;
  /** The iteration the engine resumed the current run from (its checkpoint), null for a fresh run. */
  resumedFrom: number | null;
  /** Where the current run's real batches come from: the dataset resident on the device, or the host (issue 15). */
  realBatches: { resident: boolean; bytes: number; reason: string } | null;
  /** The imported file the current run started from (instead of its init), if it did. */
  startedFromFile: string | null;
  initialGrid: ImageGrid | null;
  grid: ImageGrid | null;
  gridIteration: number;
  iteration: number;
  /** Rolling median of the recent iterations' milliseconds. */
  msPerIteration: number | null;
  numTensors: number | null;
  numBytes: number | null;
  /** Which real images the initialiser and sampler chose, and the draw counts (latest). */
  selection: SelectionView | null;
  /** Work before the first iteration (MTT's experts), while it lasts. */
  preparing: { message: string; fraction: number } | null;
  /** performance.now() when the run started and when it ended (for elapsed time). */
  startedAt: number | null;
  endedAt: number | null;
  /**
   * Start a run from the controls (or from `options.config`), or go on with a saved one from its checkpoint, or from
   * the imported set; it evaluates at checkpoints per `options.evaluate`, else per the Evaluate panel's setting;
   * `options.step`: run one iteration and pause. Resolves when the run is over.
   */
  start: (from?: SavedRun, options?: StartRunOptions) => Promise<void>;
  pause: () => void;
  resume: () => void;
  stop: () => Promise<void>;
  /** Space: run, pause or resume, whichever applies. */
  toggle: () => void;
  /** One iteration: from a pause (stays paused), or a fresh run that pauses after its first; pauses a running run. */
  step: () => void;
  /** Stop the run (if any) and clear its images, curve and evaluation; the settings stay. */
  reset: () => Promise<void>;
}

export interface StartRunOptions {
  fromImport?: boolean;
  config?: RunConfig;
  evaluate?: EvalSchedule;
  /** Run one iteration, then pause (Step with no run going). */
  step?: boolean;
}

/** Stop the active run (if any) and wait for the engine to confirm, a few seconds at most. */
export async function stopActiveRun({ set, get, rt }: StoreContext): Promise<void> {
  const run = rt.activeRun;
  if (!run || !isRunActive(get().runStatus)) return;
  set({ pending: 'stop' });
  engine.stopRun().catch(() => {});
  await Promise.race([run.catch(() => {}), wait(5000)]);
  // Whatever happens later belongs to a run the user has left.
  rt.runToken++;
  rt.activeRun = null;
  if (isRunActive(get().runStatus)) set({ runStatus: 'done', doneReason: 'stopped', pending: null, endedAt: performance.now() });
}

export const createRunSlice =
  (rt: Runtime): StateCreator<AppState, [], [], RunSlice> =>
  (set, get) => {
    const ctx: StoreContext = { set, get, rt };
    return {
      ...RUN_RESET,

      async start(from?: SavedRun, options: StartRunOptions = {}) {
        // Whether a fault recovery asked for this start (it asks once).
        const rec = rt.recovering;
        rt.recovering = null;
        const s = get();
        if (!canStart(s) || !s.dataset) return;
        if (rt.datasetGeneration !== engine.engineGeneration()) {
          await get().retry();
          return;
        }
        const config: RunConfig = from ? from.config : { ...(options.config ?? s.config), dataset: s.dataset.id };
        // Refused before it starts (the worker checks again): nothing is saved, and what the page shows stays.
        const needed = estimateRunBytes(config, s.dataset.shape, s.dataset.classes.length);
        const refusal = needed !== null && s.backend ? memoryRefusal(needed, s.backend.memoryBudget, s.backend.backend, config.method) : null;
        if (refusal) {
          set({
            error: {
              source: 'run',
              title: 'This run would not fit in memory',
              message: refusal,
              hint: `The estimate under the ${config.method.toUpperCase()} settings follows your changes: lower them until it fits, then press Run.`,
              retry: false,
            },
          });
          return;
        }
        const token = ++rt.runToken;
        const ev = useEval.getState();
        const evaluate: EvalSchedule | undefined = options.evaluate ?? (ev.every >= 1 ? { every: ev.every, request: ev.request } : undefined);
        const resume = from?.checkpoint ?? undefined;
        const now = Date.now();
        rt.record = from
          ? { ...from, status: 'running' }
          : { id: runsDb.newRunId(), createdAt: now, updatedAt: now, config, backend: s.backend?.backend ?? null, status: 'running', iteration: 0, lossPoints: [], checkpoint: null, syntheticSha256: null };
        set({
          ...RUN_RESET,
          runStatus: 'loading',
          runConfig: config,
          error: null,
          // A run from the controls starts with a clean slate; a recovered one keeps saying what happened.
          fault: rec ? get().fault : null,
          currentRunId: rt.record.id,
          startedFromFile: options.fromImport ? (s.imported?.file ?? null) : null,
          savedIteration: resume?.iteration ?? null,
          pending: options.step ? 'step' : rec?.pause ? 'pause' : null,
          // A resumed run's curve continues from its checkpoint.
          lossPoints: resume ? (from?.lossPoints ?? []).filter((p) => p.iteration <= resume.iteration) : [],
          iteration: resume?.iteration ?? 0,
        });
        if (!from) save(ctx, {});
        // The last evaluation was of another set.
        useEval.getState().reset();
        // The events come on their own channel: the last ones can arrive after start() resolved.
        let sawEnd = () => {};
        const ended = new Promise<void>((resolve) => (sawEnd = resolve));
        const run = engine.startRun(
          config,
          (e) => {
            if (token === rt.runToken) handleRunEvent(ctx, e);
            if (e.type === 'done' || e.type === 'error') sawEnd();
          },
          {
            ...(resume ? { resume } : {}),
            ...(options.fromImport ? { fromImport: true } : {}),
            ...(evaluate ? { evaluate } : {}),
            ...(options.step ? { step: true } : {}),
            // A run recovered after a fault while paused waits, paused, at its checkpoint.
            ...(rec?.pause ? { paused: true } : {}),
          },
        );
        rt.activeRun = run;
        try {
          await run;
          // Whoever awaits start() (the comparison) then sees the final state: fingerprint, last evaluation.
          await Promise.race([ended, wait(2000)]);
          if (token !== rt.runToken) return;
          // The engine resolved without saying 'done' (or its last event is still in flight): it is over either way.
          if (isRunActive(get().runStatus)) {
            set({
              runStatus: 'done',
              doneReason: get().pending === 'stop' ? 'stopped' : 'completed',
              pending: null,
              endedAt: performance.now(),
            });
          }
        } catch (err) {
          if (token !== rt.runToken || isMoot(err) || err instanceof engine.EngineCrashedError) return;
          if (get().runStatus === 'error') return; // the 'error' event already told the story
          handleRunEvent(ctx, { type: 'error', message: errorMessage(err) });
        } finally {
          if (rt.activeRun === run) rt.activeRun = null;
        }
      },

      pause() {
        const { runStatus, pending } = get();
        if (runStatus !== 'running' || pending) return;
        set({ pending: 'pause' });
        engine.pauseRun().catch(() => set({ pending: null }));
      },

      resume() {
        const { runStatus, pending } = get();
        // While a step is in flight the run is still paused; resume once it has landed.
        if (runStatus !== 'paused' || pending) return;
        set({ pending: 'resume' });
        engine.resumeRun().catch(() => set({ pending: null }));
      },

      async stop() {
        await stopActiveRun(ctx);
      },

      toggle() {
        const s = get();
        if (s.runStatus === 'running') s.pause();
        else if (s.runStatus === 'paused') s.resume();
        else if (canStart(s)) void s.start();
      },

      step() {
        const s = get();
        if (s.runStatus === 'running') {
          s.pause();
        } else if (s.runStatus === 'paused') {
          if (s.pending) return;
          set({ pending: 'step' });
          engine.stepRun().catch(() => set({ pending: null }));
        } else if (canStart(s)) {
          void s.start(undefined, { step: true });
        }
      },

      async reset() {
        await stopActiveRun(ctx);
        if (isRunActive(get().runStatus)) return;
        set({ ...RUN_RESET });
        useEval.getState().reset();
      },
    };
  };
