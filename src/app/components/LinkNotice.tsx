import { useApp } from '../store';

/** What the opening link asked for and could not be used: each field, and what the page used instead. */
export function LinkNotice() {
  const errors = useApp((s) => s.linkErrors);
  const dismiss = useApp((s) => s.dismissLinkErrors);
  if (!errors.length) return null;
  return (
    <div className="error-box error-box--warning" role="alert" data-testid="link-errors">
      <svg className="error-box__icon" viewBox="0 0 20 20" aria-hidden="true">
        <circle cx="10" cy="10" r="8" fill="none" stroke="currentColor" strokeWidth="1.8" />
        <path d="M10 5.5v5.5M10 13.6v.4" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
      </svg>
      <div className="error-box__body">
        <p className="error-box__title">
          <span className="visually-hidden">Warning: </span>
          This link had {errors.length === 1 ? 'a setting' : `${errors.length} settings`} the page could not use
        </p>
        <ul className="error-box__list">
          {errors.map((e, i) => (
            <li key={i}>{e}</li>
          ))}
        </ul>
        <p className="error-box__hint">
          <strong>What happened:</strong> those settings kept their defaults; everything else in the link was applied. A link
          with errors does not start a run by itself: check the settings, then press Run.
        </p>
      </div>
      <div className="error-box__actions">
        <button type="button" className="btn btn--small btn--ghost" onClick={dismiss} aria-label="Dismiss this message">
          Dismiss
        </button>
      </div>
    </div>
  );
}
