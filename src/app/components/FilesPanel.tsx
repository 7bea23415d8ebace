import { useRef, useState, type DragEvent } from 'react';
import type { ExportKind } from '../../shared/protocol';
import { datasetLabel } from '../lib/datasets';
import { formatInt } from '../lib/format';
import { isRunActive, useApp } from '../store';

const EXPORTS: { kind: ExportKind; label: string; hint: string }[] = [
  { kind: 'npz', label: '.npz (NumPy)', hint: 'images float32 N×C×H×W in the normalised space, labels, mean, std: numpy.load it, use it in PyTorch as is' },
  { kind: 'png', label: 'PNG grid', hint: 'the images de-normalised, one row per class' },
  { kind: 'record', label: 'Run record (.json)', hint: 'the full configuration, loss curve, fingerprint and accuracy: the same file as distill run --out' },
];

/**
 * Files in and out: the latest synthetic set as a `.npz`, a PNG grid or a run record; and a `.npz` set or run
 * record brought back (a set can be evaluated or distilled further; a record's configuration goes to the controls).
 */
export function FilesPanel() {
  const runStatus = useApp((s) => s.runStatus);
  const imported = useApp((s) => s.imported);
  const record = useApp((s) => s.importedRecord);
  const importStatus = useApp((s) => s.importStatus);
  const importError = useApp((s) => s.importError);
  const exporting = useApp((s) => s.exporting);
  const exportError = useApp((s) => s.exportError);
  const ready = useApp((s) => s.datasetStatus === 'ready' && s.backendStatus === 'ready');
  const sha = useApp((s) => s.syntheticSha256);
  const { importFile, exportSet, continueFromImport, dismissImport } = useApp.getState();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);

  const active = isRunActive(runStatus);
  const showingImport = runStatus === 'idle' && imported !== null;
  // A diverged run's set is its last good state (the worker kept it).
  const lastGood = useApp((s) => (s.runStatus === 'error' ? s.lastGood : null));
  const hasSet = runStatus === 'paused' || runStatus === 'done' || showingImport || lastGood !== null;
  // During a run a file is still read and checked (a bad one is named); a good one waits for the run to stop.
  const canImport = importStatus !== 'reading' && ready;

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    const file = e.dataTransfer.files[0];
    if (file && canImport) void importFile(file);
  }

  return (
    <section className="card" aria-labelledby="files-title" data-testid="files-panel">
      <header className="card__header">
        <h2 className="card__title" id="files-title">
          Export and import
        </h2>
      </header>
      <p className="card__muted">
        {hasSet
          ? showingImport
            ? 'Export the imported set, or import another file.'
            : lastGood !== null
              ? `Export the last good set of the run that diverged (iteration ${lastGood}).`
              : `Export the synthetic set ${runStatus === 'paused' ? 'as it is now (paused)' : 'of the last run'}.`
          : 'Pause or finish a run to export its synthetic set.'}
      </p>
      <div className="button-row">
        {EXPORTS.map((x) => (
          <button
            key={x.kind}
            type="button"
            className="btn btn--small"
            title={x.hint}
            disabled={!hasSet || exporting !== null || (x.kind === 'record' && showingImport)}
            data-testid={`export-${x.kind}`}
            onClick={() => void exportSet(x.kind)}
          >
            {exporting === x.kind ? 'Preparing…' : x.label}
          </button>
        ))}
      </div>
      {exportError && (
        <p className="field__hint field__hint--error" role="alert" data-testid="export-error">
          {exportError}
        </p>
      )}

      <div
        className={`dropzone${over ? ' dropzone--over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p>
          Drop a <code>.npz</code> set or a run record (<code>.json</code>) here, or{' '}
          <button type="button" className="btn btn--small btn--ghost" disabled={!canImport} onClick={() => input.current?.click()} data-testid="import-button">
            choose a file
          </button>
        </p>
        <input
          ref={input}
          type="file"
          accept=".npz,.json,application/json"
          className="visually-hidden"
          tabIndex={-1}
          aria-label="Import a .npz set or a run record"
          data-testid="import-input"
          disabled={!canImport}
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void importFile(file);
          }}
        />
        {importStatus === 'reading' && <p className="field__hint">Reading the file…</p>}
      </div>
      {importError && (
        <p className="field__hint field__hint--error" role="alert" data-testid="import-error">
          {importError}
        </p>
      )}

      {imported && (
        <div className="import-result" data-testid="imported-set">
          <p>
            <strong>{imported.file}</strong>: {datasetLabel(imported.dataset)}, {imported.ipc} per class (sha256{' '}
            <code title={imported.sha256}>{imported.sha256.slice(0, 12)}</code>). Evaluate and continuing use {imported.configNote}.
          </p>
          <div className="button-row">
            <button type="button" className="btn btn--small btn--primary" disabled={active || !ready} data-testid="continue-import" onClick={() => void continueFromImport()}>
              Continue distilling from it
            </button>
            <button type="button" className="btn btn--small btn--ghost" disabled={active} onClick={dismissImport}>
              Forget it
            </button>
          </div>
        </div>
      )}
      {record && (
        <div className="import-result" data-testid="imported-record">
          <p>
            <strong>{record.file}</strong>: a {record.config.method.toUpperCase()} run of {formatInt(record.iterations)} iterations on{' '}
            {record.backend}
            {record.accuracy && (
              <>
                , {(record.accuracy.mean * 100).toFixed(1)} ± {(record.accuracy.std * 100).toFixed(1)}% test accuracy
              </>
            )}
            . Its configuration is in the controls: Run reproduces it (fingerprint <code title={record.syntheticSha256}>{record.syntheticSha256.slice(0, 12)}</code>
            {record.backend !== 'webgpu' && record.backend !== 'webgl' ? ` on the ${record.backend} backend` : ''}).
          </p>
          {sha && (
            <p className={sha === record.syntheticSha256 ? 'import-result__match' : 'import-result__differ'} data-testid="record-match">
              {sha === record.syntheticSha256 ? '✓ This run gave the recorded fingerprint.' : '✗ This run gave another fingerprint than the record (another backend or setting?).'}
            </p>
          )}
          <div className="button-row">
            <button type="button" className="btn btn--small btn--ghost" disabled={active} onClick={dismissImport}>
              Forget it
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
