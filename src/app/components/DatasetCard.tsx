import type { LoadProgress } from '../../shared/protocol';
import { datasetLabel, isDatasetId } from '../lib/datasets';
import { formatBytes, formatInt } from '../lib/format';
import { useApp } from '../store';
import { GridFigure } from './GridFigure';
import { Icon } from './Icon';
import { OwnData } from './OwnData';

const PHASES: Record<LoadProgress['phase'], string> = {
  cache: 'Reading from this browser',
  download: 'Downloading',
  verify: 'Verifying',
  decompress: 'Decompressing',
  parse: 'Parsing',
  decode: 'Decoding images',
  ready: 'Ready',
};

function LoadProgressBar({ progress }: { progress: LoadProgress | null }) {
  const known = !!progress && progress.total > 0;
  const fraction = known ? Math.min(1, progress.loaded / progress.total) : 0;
  const percent = Math.round(fraction * 100);
  const phase = progress ? PHASES[progress.phase] : 'Starting';
  let amount = '';
  if (progress && progress.phase === 'download')
    amount = known ? `${formatBytes(progress.loaded)} of ${formatBytes(progress.total)}` : formatBytes(progress.loaded);
  return (
    <div className="load-progress" data-testid="load-progress">
      <div className="load-progress__labels">
        <span>
          <strong>{phase}</strong>
          {progress?.file && <span className="load-progress__file"> {progress.file}</span>}
        </span>
        <span className="num">{known ? `${percent}%` : '…'}</span>
      </div>
      <div
        className="bar"
        data-indeterminate={!known || undefined}
        role="progressbar"
        aria-label="Dataset loading"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={known ? percent : undefined}
        aria-valuetext={`${phase}${progress?.file ? ` ${progress.file}` : ''}${known ? `, ${percent}%` : ''}`}
      >
        <div className="bar__fill" style={known ? { width: `${fraction * 100}%` } : undefined} />
      </div>
      {amount && <p className="load-progress__amount">{amount}</p>}
    </div>
  );
}

/** What was loaded: progress while loading, then class counts beside a sample of real images per class. */
export function DatasetCard() {
  const datasetId = useApp((s) => s.datasetId);
  const status = useApp((s) => s.datasetStatus);
  const dataset = useApp((s) => s.dataset);
  const progress = useApp((s) => s.loadProgress);
  const loadError = useApp((s) => s.loadError);
  const errorShown = useApp((s) => s.error !== null);
  const cache = useApp((s) => s.datasetCache);
  const clearCache = useApp((s) => s.clearDatasetCache);
  const busy = useApp((s) => s.datasetStatus === 'loading');

  return (
    <section className="card" aria-labelledby="dataset-title">
      <header className="card__header">
        <h2 className="card__title" id="dataset-title">
          {dataset ? dataset.name : datasetLabel(datasetId)}
        </h2>
        <p className={`badge badge--${status}`}>
          <span className="badge__dot" aria-hidden="true" />
          <span className="visually-hidden">Dataset status: </span>
          <span data-testid="dataset-status">{status}</span>
        </p>
      </header>

      {status === 'loading' && <LoadProgressBar progress={progress} />}

      {status === 'error' && (
        <p className="card__problem">
          {errorShown || !loadError ? 'Not loaded. The message above says what to do.' : `Not loaded: ${loadError}`}
        </p>
      )}

      {status === 'idle' && <p className="card__muted">Waiting for the engine…</p>}

      {dataset && status === 'ready' && (
        <>
          <dl className="facts">
            <div>
              <dt>Train</dt>
              <dd className="num">{formatInt(dataset.trainCount)}</dd>
            </div>
            <div>
              <dt>Test</dt>
              <dd className="num">{formatInt(dataset.testCount)}</dd>
            </div>
            <div>
              <dt>{dataset.shape[2] === 1 ? 'Grey' : 'RGB'}</dt>
              <dd className="num" title={`${dataset.shape.join(' × ')} (height × width × channels)`}>
                {dataset.shape[0]}×{dataset.shape[1]}
              </dd>
            </div>
            <div>
              <dt>Classes</dt>
              <dd className="num">{dataset.classes.length}</dd>
            </div>
          </dl>
          <GridFigure
            grid={dataset.sample}
            rowLabels={dataset.classes}
            rowNotes={dataset.classCounts.map((c) => formatInt(c))}
            maxHeight={300}
            maxScale={3}
            size="large"
            ariaLabel={`Real ${dataset.name} training images, one row per class`}
            caption={
              <>
                Real training images <span className="grid-figure__aside">· images per class at right</span>
              </>
            }
          />
          {dataset.upload ? (
            <div className="card__foot" data-testid="dataset-upload">
              <p>
                Uploaded: {formatInt(dataset.upload.files)} {dataset.upload.files === 1 ? 'file' : 'files'} (
                {{ idx: 'IDX', 'cifar-binary': 'CIFAR binary', zip: 'zip of class folders', folder: 'folder of class folders' }[dataset.upload.format]}), decoded in
                this page; normalised with the mean and std of its training images. Fingerprint{' '}
                <code title={dataset.upload.sha256} data-testid="dataset-fingerprint">
                  {dataset.upload.sha256.slice(0, 12)}
                </code>
                . A link to this configuration names the set by its fingerprint but cannot load it by itself: whoever opens it must drop the same files.
              </p>
              {dataset.upload.notes.map((n) => (
                <p key={n} className="note" data-testid="dataset-upload-note">
                  <Icon name="info" />
                  <span>{n}</span>
                </p>
              ))}
            </div>
          ) : (
          <p className="card__foot" data-testid="dataset-storage" data-source={dataset.storage.source}>
            {dataset.storage.source === 'cache'
              ? 'Read from this browser’s cache (checksums verified again).'
              : dataset.storage.source === 'download'
                ? 'Downloaded and verified; kept in this browser for next time.'
                : 'Partly from this browser’s cache, partly downloaded; all verified.'}
            {dataset.storage.note && <span className="card__foot-note" data-testid="dataset-storage-note"> {dataset.storage.note}</span>}
          </p>
          )}
          {dataset.variantNote && (
            <p className="note" data-testid="dataset-variant-note">
              <Icon name="info" />
              <span>{dataset.variantNote}</span>
            </p>
          )}
          {dataset.heldOutNote && (
            <p className="note" data-testid="dataset-held-out">
              <Icon name="info" />
              <span>{dataset.heldOutNote}</span>
            </p>
          )}
        </>
      )}
      <OwnData />
      {cache?.available && (
        <div className="cache-row">
          <span data-testid="dataset-cache-size">
            {cache.files > 0
              ? `Kept in this browser: ${cache.datasets.map((d) => (isDatasetId(d) ? datasetLabel(d) : d)).join(', ') || 'files'} (${formatBytes(cache.bytes)})`
              : 'No datasets kept in this browser.'}
          </span>
          <button type="button" className="btn btn--small btn--ghost" disabled={cache.files === 0 || busy} data-testid="clear-dataset-cache" onClick={() => void clearCache()}>
            Clear
          </button>
        </div>
      )}
    </section>
  );
}
