/**
 * The comparison's queue through the app store, with the worker replaced by a scripted engine (the real one needs a
 * browser; e2e/compare.spec.ts runs it for real): runs go one after another, each entry keeps its own results,
 * cancel stops the running one and leaves the rest queued.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EvalReport, RunConfig, RunEvent, StartOptions } from '../shared/protocol';

const calls: { config: RunConfig; options?: StartOptions; startedWhileRunning: boolean }[] = [];
let running = false;
let stopNow: (() => void) | null = null;
let hold = false;

function report(iteration: number, mean: number): EvalReport {
  const r = { mean, std: 0.01, runs: [mean] };
  return { request: { epochs: 2, models: 1, testLimit: 100 }, iteration, ipc: 1, width: 8, testImages: 100, results: { distilled: r, random: r, herding: r, kCenter: r } };
}

vi.mock('./engine', () => ({
  engineGeneration: () => -2,
  onEngineFault: () => () => {},
  EngineCrashedError: class extends Error {},
  EngineRestartedError: class extends Error {},
  stopRun: async () => stopNow?.(),
  startRun: async (config: RunConfig, onEvent: (e: RunEvent) => void, options?: StartOptions) => {
    calls.push({ config, options, startedWhileRunning: running });
    running = true;
    const grid = { rgba: new Uint8ClampedArray(4), width: 1, height: 1, rows: 1, cols: 1, cellWidth: 1, cellHeight: 1 };
    onEvent({ type: 'started', config, backend: 'cpu', initial: grid, fromIteration: 0 });
    // Each run's numbers differ by its sampler, so a mix-up between entries shows.
    const base = config.sampler === 'dream' ? 0.5 : 0.4;
    for (const it of [0, 1, 2]) {
      if (it > 0) onEvent({ type: 'progress', points: [{ iteration: it, loss: 10 - it, ms: 1 }], iteration: it, numTensors: 1, numBytes: 1 });
      onEvent({ type: 'evaluation', report: report(it, base + it / 100) });
      await new Promise((r) => setTimeout(r, 1));
    }
    if (hold) await new Promise<void>((r) => (stopNow = r));
    stopNow = null;
    running = false;
    const stopped = hold;
    // The last event after the call resolved, as comlink may deliver it.
    setTimeout(() => onEvent({ type: 'done', iteration: stopped ? 1 : 2, reason: stopped ? 'stopped' : 'completed', syntheticSha256: `${config.sampler}-sha` }), 5);
  },
}));

const { useApp } = await import('./store');
const { useCompare } = await import('./compareStore');
const { useEval } = await import('./evalStore');

beforeEach(() => {
  calls.length = 0;
  hold = false;
  useCompare.setState({ entries: [], running: false, notice: null });
  useApp.setState({
    datasetId: 'mnist',
    datasetStatus: 'ready',
    backendStatus: 'ready',
    runStatus: 'idle',
    dataset: { id: 'mnist', name: 'MNIST', variant: 'idx', classes: [], shape: [28, 28, 1], trainCount: 1, testCount: 1, classCounts: [], sample: { rgba: new Uint8ClampedArray(0), width: 0, height: 0, rows: 0, cols: 0, cellWidth: 0, cellHeight: 0 }, storage: { source: 'cache' } },
    config: { ...useApp.getState().config, ipc: 1, iterations: 2, sampler: 'uniform' },
  });
  useEval.setState({ every: 0 });
});

describe('compare store', () => {
  it('runs DREAM vs uniform one after another, each entry with its own curves, evaluations and fingerprint', async () => {
    useCompare.getState().addPair('dream-vs-uniform');
    useCompare.getState().addPair('dream-vs-uniform');
    expect(useCompare.getState().entries).toHaveLength(2);
    expect(useCompare.getState().notice).toMatch(/already listed/);
    await useCompare.getState().runAll();
    expect(calls.map((c) => c.config.sampler)).toEqual(['uniform', 'dream']);
    expect(calls.every((c) => !c.startedWhileRunning)).toBe(true);
    // "Evaluate every" is off: the comparison evaluates at five points per run (here every iteration of 2).
    expect(calls[0]!.options?.evaluate?.every).toBe(1);
    const [u, d] = useCompare.getState().entries;
    expect(u).toMatchObject({ status: 'done', syntheticSha256: 'uniform-sha', iterationsDone: 2 });
    expect(d).toMatchObject({ status: 'done', syntheticSha256: 'dream-sha' });
    expect(u!.evals.map((r) => r.results.distilled.mean)).toEqual([0, 1, 2].map((it) => 0.4 + it / 100));
    expect(d!.evals.map((r) => r.results.distilled.mean)).toEqual([0, 1, 2].map((it) => 0.5 + it / 100));
    expect(u!.lossPoints.map((p) => p.iteration)).toEqual([1, 2]);
    expect(useCompare.getState().running).toBe(false);
  });

  it('cancel stops the running entry and leaves the next queued; a new pass runs what did not finish', async () => {
    useEval.setState({ every: 2 });
    useCompare.getState().addPair('importance-vs-random');
    hold = true;
    const pass = useCompare.getState().runAll();
    // The run is going (holding after its evaluations) when Cancel is pressed.
    await vi.waitFor(() => expect(stopNow).not.toBeNull());
    expect(calls).toHaveLength(1);
    expect(calls[0]!.options?.evaluate?.every).toBe(2);
    await useCompare.getState().cancel();
    await pass;
    expect(useCompare.getState().entries.map((e) => e.status)).toEqual(['stopped', 'queued']);
    expect(calls).toHaveLength(1);
    hold = false;
    await useCompare.getState().runAll();
    expect(calls.map((c) => c.config.init)).toEqual(['real', 'real', 'importance']);
    expect(useCompare.getState().entries.map((e) => e.status)).toEqual(['done', 'done']);
  });
});
