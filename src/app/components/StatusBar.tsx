import { formatBytes, formatMs, formatRate } from '../lib/format';
import { formatBytes as formatMemory } from '../../shared/memory';
import { useApp } from '../store';
import { probeMethod, probeSummary } from '../../shared/probe';

function BackendStatus() {
  const backend = useApp((s) => s.backend);
  const status = useApp((s) => s.backendStatus);
  const runBackend = useApp((s) => s.runBackend);
  const name = runBackend ?? backend?.backend;
  const skipped = backend?.skipped ?? [];
  const title = backend
    ? [
        `Backend: ${backend.backend}${backend.detail ? ` (${backend.detail})` : ''}`,
        `Smoke test: ${formatMs(backend.smokeMs)}`,
        ...skipped.map((s) => `Skipped ${s.backend}: ${s.reason}`),
      ].join('\n')
    : undefined;

  return (
    <div className="status__item" title={title}>
      <span className="status__label">Backend</span>
      <span className="status__value" data-testid="status-backend">
        {name ?? (status === 'initializing' ? '…' : status === 'error' ? 'none' : '–')}
      </span>
      {backend?.probe && backend.backend === backend.probe.chosen ? (
        <span
          className="status__detail status__detail--probe"
          data-testid="status-probe"
          title={`Auto measured a ${probeMethod(backend.probe).toUpperCase()} step on each backend${backend.probe.cached ? ' (earlier, in this browser)' : ''}: ${probeSummary(backend.probe)}. The Device section (Compute) lists every figure.`}
        >
          Auto: {probeSummary(backend.probe)}
        </span>
      ) : (
        backend?.detail && <span className="status__detail">{backend.detail}</span>
      )}
      {skipped.length > 0 && (
        <details className="status__skipped">
          <summary>{skipped.length} skipped</summary>
          <div className="status__popover">
            <p className="status__popover-title">Tried before {backend?.backend}:</p>
            <ul>
              {skipped.map((s) => (
                <li key={s.backend}>
                  <strong>{s.backend}</strong>: {s.reason}
                </li>
              ))}
            </ul>
          </div>
        </details>
      )}
    </div>
  );
}

const RUN_STATUS_TEXT = {
  idle: 'Idle',
  loading: 'Starting',
  running: 'Running',
  paused: 'Paused',
  done: 'Done',
  error: 'Error',
} as const;

/** The bottom bar: backend, speed, memory and run status. */
export function StatusBar() {
  const iteration = useApp((s) => s.iteration);
  const ms = useApp((s) => s.msPerIteration);
  const numTensors = useApp((s) => s.numTensors);
  const numBytes = useApp((s) => s.numBytes);
  const runStatus = useApp((s) => s.runStatus);
  const realBatches = useApp((s) => s.realBatches);

  return (
    <footer className="status" aria-label="Engine status">
      <BackendStatus />
      <div className="status__item">
        <span className="status__label">Iteration</span>
        <span className="status__value num" data-testid="status-iteration">
          {iteration}
        </span>
      </div>
      <div className="status__item">
        <span className="status__label">Speed</span>
        <span className="status__value num">{formatRate(ms)}</span>
        <span className="status__unit">it/s</span>
        <span className="status__value num">{formatMs(ms)}</span>
        <span className="status__unit">/ it</span>
      </div>
      <div className="status__item" title="What TensorFlow.js holds in the worker now: tensors and their bytes (flat while a run is healthy)">
        <span className="status__label">Memory</span>
        <span className="status__value num" data-testid="status-tensors">
          {numTensors ?? '–'}
        </span>
        <span className="status__unit">tensors</span>
        <span className="status__value num" data-testid="status-bytes">
          {numBytes === null ? '–' : formatBytes(numBytes)}
        </span>
        {realBatches && (
          <span className="status__unit" data-testid="status-real-batches" data-resident={realBatches.resident} title={realBatches.reason}>
            {realBatches.resident ? `data on device (${formatMemory(realBatches.bytes)})` : 'host batches'}
          </span>
        )}
      </div>
      <div className="status__item status__item--run">
        <span className={`status-dot status-dot--${runStatus}`} aria-hidden="true" />
        <span className="status__label">Run</span>
        <span className="status__value" data-testid="run-status" title={RUN_STATUS_TEXT[runStatus]}>
          {runStatus}
        </span>
      </div>
    </footer>
  );
}
