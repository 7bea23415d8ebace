import { formatInt } from '../lib/format';
import { MAX_RESTARTS, useApp, type RunFault } from '../store';

const TITLES: Record<RunFault['kind'], string> = {
  crashed: 'The compute worker crashed',
  unresponsive: 'The compute worker stopped answering',
  'device-lost': 'The GPU device was lost',
};

/**
 * A fault the run survived: what happened, and how the page went on (a new worker, which backend, from which
 * checkpoint, which restart). A run the page gave up on is told by the error box instead.
 */
export function FaultNotice() {
  const fault = useApp((s) => s.fault);
  const dismiss = useApp((s) => s.dismissFault);
  if (!fault || fault.state === 'gave-up') return null;
  const where = fault.fromIteration > 0 ? `its checkpoint at iteration ${formatInt(fault.fromIteration)}` : 'its start (no checkpoint was saved yet)';
  const on = fault.toBackend ?? 'a new backend';
  const moved = fault.toBackend !== fault.fromBackend && fault.fromBackend !== null;
  const action =
    fault.state === 'restarting'
      ? `Starting a new worker on ${on} to resume the run from ${where}…`
      : `A new worker on ${on}${moved ? ` (instead of ${fault.fromBackend})` : ''} resumed the run from ${where}.`;
  return (
    <div className="error-box error-box--warning" role="status" data-testid="fault-notice" data-state={fault.state} data-kind={fault.kind}>
      <svg className="error-box__icon" viewBox="0 0 20 20" aria-hidden="true">
        <path d="M16 10a6 6 0 1 1-1.8-4.3M16 3v3.7h-3.7" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      <div className="error-box__body">
        <p className="error-box__title">
          {TITLES[fault.kind]} at iteration {formatInt(fault.atIteration)}
        </p>
        <p className="error-box__message">{fault.message}</p>
        <p className="error-box__hint" data-testid="fault-action">
          <strong>What the page did:</strong> {action} Restart {fault.restart} of at most {MAX_RESTARTS}.
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
