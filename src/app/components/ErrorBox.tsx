import { useApp } from '../store';

/** The visible message box for engine, dataset and run failures: what happened and what to do. */
export function ErrorBox() {
  const error = useApp((s) => s.error);
  const retry = useApp((s) => s.retry);
  const dismiss = useApp((s) => s.dismissError);
  if (!error) return null;
  return (
    <div className="error-box" role="alert" data-testid="error-message">
      <svg className="error-box__icon" viewBox="0 0 20 20" aria-hidden="true">
        <path d="M10 2 19 18H1Z" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round" />
        <path d="M10 8v4.5M10 14.6v.4" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
      </svg>
      <div className="error-box__body">
        <p className="error-box__title">
          <span className="visually-hidden">Error: </span>
          {error.title}
        </p>
        <p className="error-box__message">{error.message}</p>
        <p className="error-box__hint">
          <strong>What to do:</strong> {error.hint}
        </p>
      </div>
      <div className="error-box__actions">
        {error.retry && (
          <button type="button" className="btn btn--small" onClick={() => void retry()}>
            Try again
          </button>
        )}
        <button type="button" className="btn btn--small btn--ghost" onClick={dismiss} aria-label="Dismiss this message">
          Dismiss
        </button>
      </div>
    </div>
  );
}
