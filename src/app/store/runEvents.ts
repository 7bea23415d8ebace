/**
 * How the run slice follows the engine: each event of the current run updates the run's state, the saved run
 * (checkpoints, the end), the change view and the page's event log (which e2e tests read).
 */
import type { RunEvent } from '../../shared/protocol';
import { useChange } from '../changeStore';
import { useEval } from '../evalStore';
import { runEventLog } from '../lib/event-log';
import { msPerIteration } from '../lib/series';
import { save } from './savedRuns';
import type { StoreContext } from './shared';

export function handleRunEvent(ctx: StoreContext, e: RunEvent): void {
  const { set, get } = ctx;
  runEventLog.record(e);
  useChange.getState().onRunEvent(e);
  switch (e.type) {
    case 'checkpoint':
      save(ctx, { status: 'running', iteration: e.checkpoint.iteration, checkpoint: e.checkpoint, lossPoints: get().lossPoints });
      break;
    case 'started':
      if (get().fault?.state === 'restarting') set({ fault: { ...get().fault!, state: 'resumed' } });
      set({
        runStatus: 'running',
        runConfig: e.config,
        runBackend: e.backend,
        initialGrid: e.initial,
        grid: e.initial,
        resumedFrom: e.fromIteration > 0 ? e.fromIteration : null,
        realBatches: e.realBatches ?? null,
        gridIteration: 0,
        startedAt: performance.now(),
        preparing: null,
      });
      break;
    case 'preparing':
      set({ preparing: { message: e.message, fraction: e.fraction } });
      break;
    case 'progress': {
      const lossPoints = e.points.length ? get().lossPoints.concat(e.points) : get().lossPoints;
      set({
        preparing: null,
        lossPoints,
        iteration: e.iteration,
        msPerIteration: msPerIteration(lossPoints),
        numTensors: e.numTensors,
        numBytes: e.numBytes,
      });
      break;
    }
    case 'images':
      set({ grid: e.grid, gridIteration: e.iteration });
      break;
    case 'selection':
      // Updates carry only what changed: keep the parts they omit.
      set({ selection: { ...get().selection, ...e.view } });
      break;
    case 'paused': {
      const pending = get().pending;
      set({ runStatus: 'paused', iteration: e.iteration, pending: pending === 'pause' || pending === 'step' ? null : pending });
      break;
    }
    case 'resumed':
      set({ runStatus: 'running', iteration: e.iteration, pending: get().pending === 'resume' ? null : get().pending });
      break;
    case 'evaluating':
      set({ evalProgress: { iteration: e.iteration, progress: e.progress } });
      break;
    case 'evaluation': {
      const evalPoints = get().evalPoints.filter((r) => r.iteration !== e.report.iteration).concat(e.report);
      set({ evalPoints: evalPoints.sort((a, b) => a.iteration - b.iteration), evalProgress: null });
      // The evaluation at the last iteration is the final set's: the Evaluate panel shows it too.
      if (e.report.iteration === get().runConfig?.iterations) useEval.getState().show(e.report);
      break;
    }
    case 'done':
      set({
        runStatus: 'done',
        doneReason: e.reason,
        iteration: e.iteration,
        syntheticSha256: e.syntheticSha256 ?? null,
        readouts: e.readouts ?? null,
        pending: null,
        preparing: null,
        evalProgress: null,
        endedAt: performance.now(),
      });
      save(ctx, { status: e.reason === 'completed' ? 'done' : 'stopped', iteration: e.iteration, lossPoints: get().lossPoints, syntheticSha256: e.syntheticSha256 ?? null });
      break;
    case 'error':
      // The last good checkpoint stays saved; the run can be resumed from it.
      save(ctx, { status: 'stopped' });
      set({
        preparing: null,
        evalProgress: null,
        runStatus: 'error',
        pending: null,
        endedAt: performance.now(),
        lastGood: e.kind === 'diverged' ? (e.lastGood ?? 0) : null,
        error:
          e.kind === 'diverged'
            ? {
                source: 'run',
                title: 'The run diverged',
                message: e.message,
                hint:
                  `Its last good state (iteration ${e.lastGood ?? 0}) is kept: it is what Evaluate and the exports use, and Saved runs keeps it. ` +
                  'Change the image learning rate or the momentum in the settings, then press Run.',
                retry: false,
              }
            : {
                source: 'run',
                title: 'The run failed',
                message: e.message,
                hint: 'Try fewer images per class, a smaller network width or fewer real images per iteration (out of memory is the usual cause), or another backend.',
                retry: false,
              },
      });
      break;
  }
}
