import { formatDuration, formatInt, formatRate } from '../lib/format';
import { useApp } from '../store';

/** Iteration / iterations as a bar, with the ETA from the rolling ms per iteration. */
export function RunProgress() {
  const iteration = useApp((s) => s.iteration);
  const total = useApp((s) => s.runConfig?.iterations ?? s.config.iterations);
  const ms = useApp((s) => s.msPerIteration);
  const runStatus = useApp((s) => s.runStatus);
  const doneReason = useApp((s) => s.doneReason);
  const pending = useApp((s) => s.pending);
  const preparing = useApp((s) => s.preparing);
  const resumedFrom = useApp((s) => s.resumedFrom);
  const evaluating = useApp((s) => s.evalProgress);
  const elapsed = useApp((s) => (s.startedAt !== null && s.endedAt !== null ? s.endedAt - s.startedAt : null));

  if (preparing && (runStatus === 'loading' || runStatus === 'running')) {
    const pct = Math.round(preparing.fraction * 100);
    return (
      <div className="run-progress" data-state="preparing">
        <div className="run-progress__labels">
          <span data-testid="preparing-message">Preparing: {preparing.message}</span>
          <span className="run-progress__eta">{pct}%</span>
        </div>
        <div className="bar" role="progressbar" aria-label="Preparing the run" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} data-testid="prepare-progress">
          <div className="bar__fill" style={{ width: `${preparing.fraction * 100}%` }} />
        </div>
      </div>
    );
  }

  const fraction = total > 0 ? Math.min(1, iteration / total) : 0;
  const percent = Math.round(fraction * 1000) / 10;
  // Speed and time left from the rolling median ms per iteration (src/app/lib/series.ts).
  const rate = ms !== null ? `${formatRate(ms)} it/s` : null;
  const left = ms !== null ? `about ${formatDuration((total - iteration) * ms)} left` : null;
  let right: string;
  if (runStatus === 'running' && evaluating) right = `evaluating the set after iteration ${formatInt(evaluating.iteration)} (${Math.round(evaluating.progress.fraction * 100)}%)`;
  else if (runStatus === 'running' && rate && left) right = `${rate} · ${left}`;
  else if (runStatus === 'running' || runStatus === 'loading') right = 'estimating time left…';
  else if (runStatus === 'paused') right = pending === 'resume' ? 'resuming…' : pending === 'step' ? 'stepping…' : `paused${left ? ` · ${left} at ${rate}` : ''}`;
  else if (runStatus === 'done') right = `${doneReason === 'stopped' ? 'stopped' : 'complete'}${elapsed !== null ? ` in ${formatDuration(elapsed)}` : ''}`;
  else if (runStatus === 'error') right = 'failed';
  else right = 'not started';

  return (
    <div className="run-progress" data-state={runStatus}>
      <div className="run-progress__labels">
        <span>
          Iteration <strong className="num" data-testid="progress-iteration">{formatInt(iteration)}</strong> of {formatInt(total)}
          <span className="run-progress__pct num"> ({percent}%)</span>
          {resumedFrom !== null && (
            <span className="run-progress__resumed">
              {' '}
              · resumed from its checkpoint at <span data-testid="resumed-from">{formatInt(resumedFrom)}</span>
            </span>
          )}
        </span>
        <span className="run-progress__eta" data-testid="run-eta">
          {right}
        </span>
      </div>
      <div
        className="bar"
        role="progressbar"
        aria-label="Run progress"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={iteration}
        aria-valuetext={`${formatInt(iteration)} of ${formatInt(total)} iterations (${percent}%)`}
        data-testid="run-progress"
      >
        <div className="bar__fill" style={{ width: `${fraction * 100}%` }} />
      </div>
    </div>
  );
}
