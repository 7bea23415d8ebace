import { METHODS } from '../../shared/methods';
import { datasetLabel } from '../lib/datasets';
import { formatDateTime, formatInt } from '../lib/format';
import type { SavedRunSummary } from '../lib/runs-db';
import { isRunActive, useApp } from '../store';

function statusOf(r: SavedRunSummary, current: boolean, active: boolean): { text: string; badge: string } {
  if (current && active) return { text: 'running now', badge: 'badge--loading' };
  if (r.status === 'running') return { text: 'interrupted', badge: 'badge--error' };
  if (r.status === 'done') return { text: 'done', badge: 'badge--ready' };
  return { text: 'stopped', badge: '' };
}

/**
 * Runs kept in this browser (IndexedDB): every run saves its state every few seconds, so after a reload or a
 * closed tab an interrupted run goes on from its last checkpoint, to the same result.
 */
export function SavedRuns() {
  const runs = useApp((s) => s.savedRuns);
  const currentId = useApp((s) => s.currentRunId);
  const active = useApp((s) => isRunActive(s.runStatus));
  const datasetReady = useApp((s) => s.datasetStatus === 'ready' && s.backendStatus === 'ready');
  const saveError = useApp((s) => s.saveError);
  const resume = useApp((s) => s.resumeSaved);
  const remove = useApp((s) => s.deleteSaved);
  const clear = useApp((s) => s.clearSaved);

  return (
    <section className="card" aria-labelledby="saved-title" data-testid="saved-runs">
      <header className="card__header">
        <h2 className="card__title" id="saved-title">
          Saved runs
        </h2>
        {runs.length > 0 && (
          <button type="button" className="btn btn--small btn--ghost" disabled={active} onClick={() => void clear()}>
            Delete all
          </button>
        )}
      </header>
      {saveError && (
        <p className="field__hint field__hint--error" role="alert" data-testid="save-error">
          {saveError}
        </p>
      )}
      {runs.length === 0 ? (
        <p className="card__muted">Runs are saved in this browser as they go; after a reload an interrupted run can go on from where it was saved.</p>
      ) : (
        <ul className="saved-runs">
          {runs.map((r) => {
            const current = r.id === currentId;
            const st = statusOf(r, current, active);
            const resumable = r.checkpointIteration !== null && r.checkpointIteration < r.config.iterations && !(current && active);
            return (
              <li key={r.id} className="saved-runs__item" data-testid="saved-run" data-status={st.text}>
                <div className="saved-runs__text">
                  <p className="saved-runs__title">
                    <span title={METHODS[r.config.method].label}>{r.config.method.toUpperCase()}</span> · {datasetLabel(r.config.dataset)} · {r.config.ipc}/class
                    <span className={`badge ${st.badge}`}>
                      <span className="badge__dot" aria-hidden="true" />
                      {st.text}
                    </span>
                  </p>
                  <p className="saved-runs__meta">
                    iteration {formatInt(r.iteration)} of {formatInt(r.config.iterations)}
                    {r.checkpointIteration !== null && r.checkpointIteration < r.config.iterations && (
                      <> · saved at <span data-testid="saved-iteration">{formatInt(r.checkpointIteration)}</span></>
                    )}
                    {' · '}
                    {formatDateTime(r.createdAt)}
                  </p>
                </div>
                <div className="saved-runs__actions">
                  {resumable && (
                    <button
                      type="button"
                      className="btn btn--small"
                      disabled={active || !datasetReady}
                      data-testid="resume-run"
                      onClick={() => void resume(r.id)}
                    >
                      Resume
                    </button>
                  )}
                  <button
                    type="button"
                    className="btn btn--small btn--ghost"
                    disabled={current && active}
                    aria-label={`Delete the saved run from ${formatDateTime(r.createdAt)}`}
                    onClick={() => void remove(r.id)}
                  >
                    Delete
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
