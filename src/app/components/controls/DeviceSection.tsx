/** The Device section of the Compute card: Auto's figures, Measure again, and the device report. */
import { useState } from 'react';
import { probeMethod, resultFigure } from '../../../shared/probe';
import { deviceReport } from '../../device-hooks';
import { downloadFile } from '../../lib/download';
import { isRunActive, useApp } from '../../store';

/** Auto's measurement: each backend's figure (a step of the method at this width and image size) or why it has none. */
export function DeviceSection() {
  const backend = useApp((s) => s.backend);
  const backendStatus = useApp((s) => s.backendStatus);
  const runStatus = useApp((s) => s.runStatus);
  const measure = useApp((s) => s.measureBackends);
  const probe = backend?.probe;
  const [reported, setReported] = useState<'' | 'copied' | 'downloaded'>('');
  // The report (JSON): copied to the clipboard where the browser allows it, and always offered as a download.
  const report = async () => {
    const json = JSON.stringify(await deviceReport(), null, 2);
    downloadFile(new TextEncoder().encode(json), 'distill-device-report.json', 'application/json');
    const copied = await navigator.clipboard?.writeText(json).then(
      () => true,
      () => false,
    );
    setReported(copied ? 'copied' : 'downloaded');
  };
  return (
    <div className="device" data-testid="device-section">
      <h3 className="device__title">Device</h3>
      {probe ? (
        <>
          <p className="field__hint">
            Auto timed a {probeMethod(probe).toUpperCase()} step ({probe.shape.input.join('×')} images, width {probe.shape.width}) on each backend
            {probe.cached ? `, on ${probe.measuredAt.slice(0, 10)} (kept by this browser)` : ` in ${(probe.totalMs / 1000).toFixed(1)} s`} and chose the fastest.
          </p>
          <ul className="device__list" data-testid="device-list">
            {probe.results.map((r) => (
              <li key={r.backend} data-testid={`device-${r.backend}`} className={r.backend === probe.chosen ? 'device__chosen' : undefined}>
                <strong>{r.backend}</strong>
                {r.detail ? ` (${r.detail})` : ''}: {resultFigure(r) ?? r.reason}
                {r.overBudget ? ' (the probe’s budget was spent: it stopped waiting)' : ''}
                {r.backend === probe.chosen ? ' ✓ chosen' : ''}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p className="field__hint">
          {backendStatus === 'initializing' ? 'Measuring…' : 'A forced backend is not measured: choose Auto, or press Measure again.'}
        </p>
      )}
      <div className="device__buttons">
        <button type="button" className="btn" data-testid="measure-again" disabled={isRunActive(runStatus) || backendStatus === 'initializing'} onClick={() => void measure()}>
          Measure again
        </button>
        <button
          type="button"
          className="btn"
          data-testid="copy-device-report"
          disabled={!backend}
          title="The device, every backend's figure or why it has none, cores and browser, as JSON: copied to the clipboard and downloaded, to send back"
          onClick={() => void report()}
        >
          {reported === 'copied' ? 'Copied (and downloaded)' : reported === 'downloaded' ? 'Downloaded' : 'Copy device report'}
        </button>
      </div>
    </div>
  );
}
