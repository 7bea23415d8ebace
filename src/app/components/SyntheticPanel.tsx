import { datasetLabel } from '../lib/datasets';
import { describeGrid, lossAt } from '../lib/describe';
import { formatInt } from '../lib/format';
import { useApp } from '../store';
import { GridFigure } from './GridFigure';
import { ChangeLegend, MovementChart, SyntheticViewToggle } from './ChangeView';
import { useChange } from '../changeStore';
import { RunProgress } from './RunProgress';
import { methodInfo, type InitId } from '../../shared/methods';
import { WEBGPU_TOLERANCE } from '../../shared/config';

const INIT_PHRASE: Record<InitId, string> = {
  real: 'random real images',
  noise: 'noise',
  kmeans: 'k-means centres’ nearest images',
  importance: 'importance-sampled real images',
};

function EmptyState() {
  const datasetId = useApp((s) => s.datasetId);
  const ipc = useApp((s) => s.config.ipc);
  const datasetStatus = useApp((s) => s.datasetStatus);
  const runStatus = useApp((s) => s.runStatus);
  const uploadedName = useApp((s) => (s.dataset?.upload ? s.dataset.name : null));
  const name = datasetId === 'custom' && uploadedName ? uploadedName : datasetLabel(datasetId);
  let text: string;
  if (runStatus === 'loading') text = 'Preparing the run: sampling the initial images and compiling the network…';
  else if (datasetStatus === 'loading') text = `Loading ${name}…`;
  else if (datasetStatus === 'ready')
    text = `Press Run to distil ${name} into ${ipc} synthetic image${ipc === 1 ? '' : 's'} per class.`;
  else text = `${name} is not loaded yet.`;
  return (
    <div className="empty-state" data-busy={runStatus === 'loading' || datasetStatus === 'loading' || undefined}>
      <div className="empty-state__art" aria-hidden="true">
        {Array.from({ length: 9 }, (_, i) => (
          <span key={i} />
        ))}
      </div>
      <p>{text}</p>
      {/* The canvases exist before the first images (zero-sized), so their test ids always resolve. */}
      <canvas className="visually-hidden" width={0} height={0} aria-hidden="true" data-testid="synthetic-canvas" />
      <canvas className="visually-hidden" width={0} height={0} aria-hidden="true" data-testid="initial-canvas" />
    </div>
  );
}

/** The live synthetic images ("now"), the images they started from ("initial"), and the run's progress. */
export function SyntheticPanel() {
  const grid = useApp((s) => s.grid);
  const initial = useApp((s) => s.initialGrid);
  const gridIteration = useApp((s) => s.gridIteration);
  const classes = useApp((s) => s.dataset?.classes);
  const runConfig = useApp((s) => s.runConfig);
  const sha = useApp((s) => s.syntheticSha256);
  const readouts = useApp((s) => s.readouts);
  const readoutsText = readouts && runConfig && classes ? methodInfo(runConfig.method).describeReadouts?.(readouts, classes) : undefined;
  const runBackend = useApp((s) => s.runBackend);
  const gridLoss = useApp((s) => lossAt(s.lossPoints, s.gridIteration)?.loss);
  const fromFile = useApp((s) => s.startedFromFile ?? (s.runStatus === 'idle' ? (s.imported?.file ?? null) : null));
  const ipc = runConfig?.ipc ?? 0;
  // The change view belongs to the grid shown (hidden once a new dataset, import or loaded run replaces it).
  const ownsGrid = useChange((s) => grid !== null && s.forGrid === grid);
  const view = useChange((s) => s.view);
  const change = useChange((s) => s.change);
  const changeIteration = useChange((s) => s.changeIteration);
  const decoded = useChange((s) => s.decodedTiles);
  const showChange = ownsGrid && view === 'change';
  const showDecoded = ownsGrid && view === 'decoded' && decoded !== null;

  return (
    <section className="card card--synthetic" aria-labelledby="synthetic-title">
      <header className="card__header">
        <h2 className="card__title" id="synthetic-title">
          Synthetic images
        </h2>
        {runConfig && grid && (
          <p className="card__meta">
            {ipc} per class · {fromFile ? <>from <span data-testid="synthetic-source">{fromFile}</span></> : <>started from {INIT_PHRASE[runConfig.init]}</>}
          </p>
        )}
        {ownsGrid && <SyntheticViewToggle hasDecoded={decoded !== null} />}
      </header>
      <RunProgress />
      {grid ? (
        <div className="synthetic">
          {showChange && change ? (
            <GridFigure
              grid={change.grid}
              rowLabels={classes}
              maxHeight={460}
              maxScale={10}
              minScale={0.5}
              size="large"
              testId="change-canvas"
              ariaLabel={`Change of each synthetic image from its start at iteration ${changeIteration}, blue darker, red brighter, scale ±${change.scale.toPrecision(2)}`}
              caption={
                <>
                  <span className="tag tag--accent">Change</span> iteration <span className="num">{formatInt(changeIteration)}</span> minus iteration 0
                </>
              }
            />
          ) : showDecoded ? (
            <GridFigure
              grid={decoded}
              rowLabels={classes}
              maxHeight={460}
              maxScale={10}
              minScale={0.5}
              size="large"
              testId="decoded-canvas"
              ariaLabel={`Decoded tiles at iteration ${gridIteration}`}
              caption={
                <>
                  <span className="tag tag--accent">Decoded</span> iteration <span className="num">{formatInt(gridIteration)}</span>
                </>
              }
            />
          ) : (
            <GridFigure
              grid={grid}
              rowLabels={classes}
              maxHeight={460}
              maxScale={10}
              minScale={0.5}
              size="large"
              testId="synthetic-canvas"
              ariaLabel={describeGrid({ what: 'Synthetic images', iteration: gridIteration, loss: gridLoss, ipc, classes })}
              caption={
                <>
                  <span className="tag tag--accent">Now</span> iteration <span className="num">{formatInt(gridIteration)}</span>
                </>
              }
            />
          )}
          {initial && (
            <GridFigure
              grid={initial}
              maxHeight={200}
              maxScale={4}
              size="small"
              testId="initial-canvas"
              ariaLabel={describeGrid({ what: 'Initial images (where the synthetic images started)', iteration: 0, ipc, classes })}
              caption={
                <>
                  <span className="tag">Initial</span> iteration 0
                </>
              }
            />
          )}
        </div>
      ) : (
        <EmptyState />
      )}
      {showChange && <ChangeLegend scale={change?.scale ?? 0} gain={change?.gain ?? 0} />}
      {ownsGrid && classes && <MovementChart classes={classes} total={runConfig?.iterations ?? 0} />}
      {readoutsText && (
        <p className="card__foot" data-testid="method-readouts">
          {readoutsText}
        </p>
      )}
      {sha && (
        <p className="card__foot" title={`sha256 ${sha}`}>
          Fingerprint of the final set: <code data-testid="synthetic-sha">{sha.slice(0, 16)}</code>
          <span className="card__foot-note">
            {' '}
            (sha256 of its float32 values: the same link on the same backend gives the same one
            {runBackend === 'webgpu' || runBackend === 'webgl' ? `; on a GPU the values agree within ${WEBGPU_TOLERANCE}, so the fingerprint can differ` : ''})
          </span>
        </p>
      )}
    </section>
  );
}
