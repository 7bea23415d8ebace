/** Run, pause, step, stop and reset, the note under them (what is happening, the ETA) and the keyboard shortcuts. */
import { formatDuration, formatInt } from '../../lib/format';
import { probeEtaMs, probeMethod } from '../../../shared/probe';
import { canStart, isRunActive, useApp } from '../../store';
import { Icon } from '../Icon';

/** The keyboard shortcuts, as the page lists them (the handlers are in ../hooks.ts). */
export const SHORTCUTS: readonly { keys: string[]; what: string }[] = [
  { keys: ['Space'], what: 'run / pause' },
  { keys: ['S', '→'], what: 'step' },
  { keys: ['Esc'], what: 'stop' },
  { keys: ['R'], what: 'reset' },
];

export function RunButtons() {
  const runStatus = useApp((s) => s.runStatus);
  const pending = useApp((s) => s.pending);
  const ready = useApp(canStart);
  const datasetStatus = useApp((s) => s.datasetStatus);
  const backendStatus = useApp((s) => s.backendStatus);
  const iteration = useApp((s) => s.iteration);
  const start = useApp((s) => s.start);
  const pause = useApp((s) => s.pause);
  const resume = useApp((s) => s.resume);
  const step = useApp((s) => s.step);
  const stop = useApp((s) => s.stop);
  const reset = useApp((s) => s.reset);
  const backend = useApp((s) => s.backend);
  const config = useApp((s) => s.config);

  // Before the first iteration's timing: the ETA from Auto's probe (a step of the run's method, scaled to the run's size).
  const etaMs = backend?.probe ? probeEtaMs(backend.probe, config, backend.backend) : null;
  const otherMethod = backend?.probe && probeMethod(backend.probe) !== config.method ? probeMethod(backend.probe).toUpperCase() : null;
  const eta =
    etaMs !== null
      ? ` About ${formatDuration(etaMs)} for ${formatInt(config.iterations)} iterations on ${backend!.backend} (Auto's probe).`
      : otherMethod
        ? ` Auto timed ${otherMethod}: Measure again (Device) for an estimate of this method.`
        : '';

  const active = isRunActive(runStatus);
  const paused = runStatus === 'paused';
  const canPause = (runStatus === 'running' && !pending) || (paused && !pending);
  const canStep = ready || ((paused || runStatus === 'running') && !pending);
  const canReset = runStatus !== 'idle' && pending !== 'stop';

  let note: string;
  if (backendStatus === 'initializing') note = 'Starting the compute backend…';
  else if (datasetStatus === 'loading') note = 'Loading the dataset…';
  else if (datasetStatus === 'error' || backendStatus === 'error') note = 'Fix the problem above, then run.';
  else if (runStatus === 'loading') note = `Preparing the run (compiling kernels)…${eta}`;
  else if (pending === 'step') note = 'Stepping one iteration…';
  else if (pending === 'pause') note = 'Pausing after this iteration…';
  else if (pending === 'stop') note = 'Stopping…';
  else if (paused) note = `Paused at iteration ${iteration}. Resume, or step one iteration at a time.`;
  else if (active) note = 'Distilling… settings are locked until the run ends.';
  else if (runStatus === 'done') note = 'Done. Change settings and run again, or reset.';
  else note = `Ready.${eta}`;

  return (
    <div className="run-buttons">
      <div className="run-buttons__row">
        <button
          type="button"
          className="btn btn--primary btn--run"
          data-testid="run-button"
          title="Run (Space)"
          aria-keyshortcuts="Space"
          disabled={!ready}
          onClick={() => void start()}
        >
          <Icon name="play" />
          Run
        </button>
        <button
          type="button"
          className="btn"
          data-testid="pause-button"
          title={paused ? 'Resume (Space)' : 'Pause (Space)'}
          aria-keyshortcuts="Space"
          disabled={!canPause}
          onClick={paused ? resume : pause}
        >
          <Icon name={paused ? 'play' : 'pause'} />
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button
          type="button"
          className="btn"
          data-testid="step-button"
          title={runStatus === 'running' ? 'Pause, then step one iteration at a time (S or →)' : 'Step one iteration (S or →)'}
          aria-keyshortcuts="S ArrowRight"
          disabled={!canStep}
          onClick={step}
        >
          <Icon name="step" />
          Step
        </button>
        <button
          type="button"
          className="btn"
          data-testid="stop-button"
          title="Stop (Esc)"
          aria-keyshortcuts="Escape"
          disabled={!active || pending === 'stop'}
          onClick={() => void stop()}
        >
          <Icon name="stop" />
          Stop
        </button>
        <button
          type="button"
          className="btn"
          data-testid="reset-button"
          title="Reset (R): stop, and clear the images, the curve and the evaluation; the settings stay"
          aria-keyshortcuts="R"
          disabled={!canReset}
          onClick={() => void reset()}
        >
          <Icon name="reset" />
          Reset
        </button>
      </div>
      <p className="run-buttons__note" aria-live="polite" data-testid="run-note">
        {note}
      </p>
      <p className="run-buttons__keys" data-testid="shortcuts">
        <span className="visually-hidden">Keyboard shortcuts: </span>
        {SHORTCUTS.map((k, i) => (
          <span key={k.what} className="run-buttons__key">
            {k.keys.map((key, j) => (
              <span key={key}>
                {j > 0 && ' or '}
                <kbd>{key}</kbd>
              </span>
            ))}{' '}
            {k.what}
            {i < SHORTCUTS.length - 1 && <span className="visually-hidden">, </span>}
          </span>
        ))}
      </p>
    </div>
  );
}
