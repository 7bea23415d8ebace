import { useMemo } from 'react';
import { useApp } from '../store';
import { useEval } from '../evalStore';
import { useCompare, type CompareEntry } from '../compareStore';
import { baselineRows, bestAt, evaluatedIterations, runLabels, seriesStyle, verdict } from '../lib/compare';
import { describePoints, evalPoints, defaultEvalEvery } from '../../shared/eval-schedule';
import { formatInt } from '../lib/format';
import { describeGrid, lossAt } from '../lib/describe';
import { linkFor } from '../lib/url';
import { AccuracyChart, LossCompareChart, SeriesLegend, SeriesSwatch } from './CompareCharts';
import { GridFigure } from './GridFigure';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

const STATUS_TEXT: Record<CompareEntry['status'], string> = {
  queued: 'queued',
  running: 'running',
  done: 'done',
  stopped: 'stopped',
  error: 'failed',
};

/** The entries with the running one's live curves and images from the app store. */
function useLiveEntries(): CompareEntry[] {
  const entries = useCompare((s) => s.entries);
  // Only while a compared run is going does the panel follow the run's updates (an ordinary run leaves it alone).
  const live = entries.some((e) => e.status === 'running');
  const lossPoints = useApp((s) => (live ? s.lossPoints : null));
  const evals = useApp((s) => (live ? s.evalPoints : null));
  const grid = useApp((s) => (live ? s.grid : null));
  const iteration = useApp((s) => (live ? s.iteration : 0));
  return useMemo(
    () => (live ? entries.map((e) => (e.status === 'running' ? { ...e, lossPoints: lossPoints ?? [], evals: evals ?? [], grid, iterationsDone: iteration } : e)) : entries),
    [live, entries, lossPoints, evals, grid, iteration],
  );
}

function Progress({ entries }: { entries: CompareEntry[] }) {
  const evalProgress = useApp((s) => s.evalProgress);
  const runStatus = useApp((s) => s.runStatus);
  const index = entries.findIndex((e) => e.status === 'running');
  const entry = entries[index];
  if (!entry) return null;
  const labels = runLabels(entries.map((e) => e.config));
  const total = entry.config.iterations;
  const planned = entry.schedule ? evalPoints(total, entry.schedule.every).length : 0;
  const done = entries.filter((e) => e.status === 'done').length;
  // Whole runs done, plus the running one's share (its iterations, and its evaluations).
  const share = (entry.iterationsDone / Math.max(1, total)) * 0.5 + (entry.evals.length / Math.max(1, planned)) * 0.5;
  const fraction = (done + Math.min(1, share)) / entries.filter((e) => e.status !== 'stopped' && e.status !== 'error').length;
  let detail = runStatus === 'loading' ? 'preparing' : `iteration ${formatInt(entry.iterationsDone)} of ${formatInt(total)}`;
  if (evalProgress) {
    const p = evalProgress.progress;
    detail = `evaluating the set after iteration ${formatInt(evalProgress.iteration)}: ${p.set === 'distilled' ? 'synthetic set' : `${p.set} baseline`}, network ${p.model + 1} of ${p.models}, epoch ${p.epoch + 1} of ${p.epochs}`;
  }
  return (
    <div className="compare-progress" data-testid="compare-progress">
      <p className="compare-progress__text" aria-live="polite">
        Run {index + 1} of {entries.length} (<strong>{labels[index]}</strong>): {detail}
      </p>
      <div className="bar" role="progressbar" aria-label="Comparison progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(fraction * 100)}>
        <div className="bar__fill" style={{ width: `${fraction * 100}%` }} />
      </div>
    </div>
  );
}

function ResultsTable({ entries, labels }: { entries: CompareEntry[]; labels: string[] }) {
  const lists = entries.map((e) => e.evals);
  const iterations = evaluatedIterations(lists);
  const baselines = baselineRows(lists);
  if (iterations.length === 0) return null;
  return (
    <div className="compare-table__wrap" tabIndex={0} role="region" aria-label="Accuracy of each compared run (scrolls sideways)">
      <table className="compare-table" data-testid="compare-table">
        <caption>
          Test accuracy of each run’s synthetic set after each evaluated iteration (mean ± std over the networks); ▲ marks the best run at that
          iteration.
        </caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            {iterations.map((it) => (
              <th scope="col" key={it} className="num">
                it. {formatInt(it)}
              </th>
            ))}
            <th scope="col">Fingerprint</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e, i) => (
            <tr key={e.id} data-testid={`compare-row-${i}`}>
              <th scope="row">
                <span className="compare-table__run">
                  <SeriesSwatch style={seriesStyle(i)} />
                  {labels[i]}
                </span>
              </th>
              {iterations.map((it) => {
                const r = e.evals.find((x) => x.iteration === it)?.results.distilled;
                const best = bestAt(lists, it).includes(i);
                return (
                  <td key={it} className={best ? 'num compare-table__best' : 'num'} data-testid={`compare-cell-${i}-${it}`}>
                    {r ? `${pct(r.mean)} ± ${pct(r.std)}` : '–'}
                    {best && <span aria-label="best at this iteration"> ▲</span>}
                  </td>
                );
              })}
              <td>
                {e.syntheticSha256 ? (
                  <code title={`sha256 ${e.syntheticSha256}`} data-testid={`compare-sha-${i}`}>
                    {e.syntheticSha256.slice(0, 12)}
                  </code>
                ) : (
                  '–'
                )}
              </td>
            </tr>
          ))}
          {baselines.map((b, k) => (
            <tr key={`b${k}`} className="compare-table__baseline" data-testid={`compare-baseline-${b.name}`}>
              <th scope="row">
                {b.label} (real images){b.scope ? `, ${b.scope}` : ''}
              </th>
              <td colSpan={iterations.length} className="num">
                {pct(b.mean)} ± {pct(b.std)} <span className="card__muted">(does not depend on the iteration)</span>
              </td>
              <td />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Verdict({ entries, labels }: { entries: CompareEntry[]; labels: string[] }) {
  const v = verdict(entries.map((e) => e.evals));
  if (!v) return null;
  const points = (v.margin * 100).toFixed(1);
  return (
    <p className="compare-verdict" data-testid="compare-verdict">
      At iteration {formatInt(v.iteration)}, <strong>{labels[v.best]}</strong> {v.margin === 0 ? 'ties with' : `is ahead of`} {labels[v.runnerUp]}
      {v.margin > 0 && <> by {points} points</>}
      {v.margin > 0 && (v.clear ? ', more than one std of either run.' : ', within one std: not a clear difference at this budget (more networks or epochs would tell).')}
      {v.margin === 0 && '.'}
    </p>
  );
}

/** Set up two or more configurations, run them one after another, and read their curves and accuracies side by side. */
export function ComparePanel() {
  const entries = useLiveEntries();
  const running = useCompare((s) => s.running);
  const notice = useCompare((s) => s.notice);
  const { addCurrent, addPair, remove, clear, runAll, cancel } = useCompare.getState();
  const datasetReady = useApp((s) => s.datasetStatus === 'ready');
  const runActive = useApp((s) => s.runStatus === 'loading' || s.runStatus === 'running' || s.runStatus === 'paused');
  const backend = useApp((s) => s.backendPreference);
  const classes = useApp((s) => s.dataset?.classes);
  const every = useEval((s) => s.every);
  const request = useEval((s) => s.request);
  // Memoised on the entries, so the charts merge and downsample their curves only when a curve changed.
  const { labels, series, lossSeries, accuracySeries, baselines } = useMemo(() => {
    const labels = runLabels(entries.map((e) => e.config));
    const series = entries.map((e, i) => ({ label: labels[i]!, style: seriesStyle(i) }));
    return {
      labels,
      series,
      lossSeries: entries.map((e, i) => ({ ...series[i]!, points: e.lossPoints })),
      accuracySeries: entries.map((e, i) => ({ ...series[i]!, points: e.evals })),
      baselines: baselineRows(entries.map((e) => e.evals)),
    };
  }, [entries]);
  const total = Math.max(1, ...entries.map((e) => e.config.iterations));
  const anyLoss = entries.some((e) => e.lossPoints.length > 0);
  const anyEval = entries.some((e) => e.evals.length > 0);
  const runnable = entries.some((e) => e.status !== 'done');
  const plannedEvery = every >= 1 ? every : defaultEvalEvery(total);
  const planned = evalPoints(total, plannedEvery);

  return (
    <section className="card compare" aria-labelledby="compare-title" data-testid="compare-panel">
      <header className="card__header">
        <h2 className="card__title" id="compare-title">
          Compare runs
        </h2>
        <p className="card__meta">same data, same evaluation, same axes</p>
      </header>
      <p className="compare__teach" data-testid="compare-teach">
        Each run distils with its own settings; at the same iterations its synthetic images train {request.models} fresh network
        {request.models === 1 ? '' : 's'} that are tested on real test images. <strong>Higher accuracy at the same iteration means the better choice for this budget</strong>; the
        shaded band is ± one std over the {request.models} network{request.models === 1 ? '' : 's'}, so curves whose bands overlap are not clearly different. The grey
        dashed lines are real images picked without distilling (same number per class): distilling pays off where a curve rises above them.
      </p>
      <div className="compare__actions">
        <button type="button" className="btn btn--small" data-testid="compare-add" disabled={running || !datasetReady} onClick={addCurrent}>
          Add current settings
        </button>
        <button type="button" className="btn btn--small" data-testid="compare-dream-uniform" disabled={running || !datasetReady} onClick={() => addPair('dream-vs-uniform')} title="The current settings twice: DREAM sampling and uniform sampling">
          DREAM vs uniform
        </button>
        <button type="button" className="btn btn--small" data-testid="compare-importance-random" disabled={running || !datasetReady} onClick={() => addPair('importance-vs-random')} title="The current settings twice: importance init and random real init">
          Importance vs random init
        </button>
        <span className="compare__spacer" />
        {running ? (
          <button type="button" className="btn btn--small" data-testid="compare-cancel" onClick={() => void cancel()}>
            Cancel comparison
          </button>
        ) : (
          <button type="button" className="btn btn--small btn--primary" data-testid="compare-run" disabled={!runnable || runActive || !datasetReady} onClick={() => void runAll()}>
            Run comparison
          </button>
        )}
        <button type="button" className="btn btn--small btn--ghost" data-testid="compare-clear" disabled={running || entries.length === 0} onClick={clear}>
          Clear
        </button>
      </div>
      {notice && (
        <p className="compare__notice" role="status" data-testid="compare-notice">
          {notice}
        </p>
      )}
      {entries.length === 0 ? (
        <p className="card__muted">Add the current settings, or press “DREAM vs uniform” to compare the two samplers with everything else equal.</p>
      ) : (
        <>
          <p className="field__hint">
            Runs go one after another. Each is evaluated at iteration{planned.length === 1 ? '' : 's'} {describePoints(planned)} ({request.epochs} epochs ×{' '}
            {request.models} {request.architecture === 'mlp' ? 'MLP' : 'ConvNet'}
            {request.models === 1 ? '' : 's'}, {request.testLimit ? `${formatInt(request.testLimit)} test images` : 'the whole test set'}; change
            these in Evaluate{every >= 1 ? '' : ', where “Evaluate every” is off, so five points per run are used'}).
          </p>
          <ol className="compare-list" data-testid="compare-list">
            {entries.map((e, i) => (
              <li key={e.id} className="compare-list__item" data-status={e.status} data-testid={`compare-entry-${i}`}>
                <SeriesSwatch style={seriesStyle(i)} />
                <span className="compare-list__label">{labels[i]}</span>
                <span className="tag" data-testid={`compare-status-${i}`}>
                  {STATUS_TEXT[e.status]}
                </span>
                <a className="compare-list__link" href={linkFor(e.config, backend)} target="_blank" rel="noreferrer" data-testid={`compare-link-${i}`}>
                  link
                </a>
                {e.error && <span className="compare-list__error">{e.error}</span>}
                <button type="button" className="btn btn--small btn--ghost" aria-label={`Remove ${labels[i]}`} disabled={e.status === 'running'} onClick={() => remove(e.id)}>
                  Remove
                </button>
              </li>
            ))}
          </ol>
        </>
      )}
      {running && <Progress entries={entries} />}
      {(anyLoss || anyEval) && (
        <>
          <SeriesLegend series={series} baselines={baselines} />
          <div className="compare-charts">
            <LossCompareChart series={lossSeries} total={total} testId="compare-loss-chart" />
            <AccuracyChart series={accuracySeries} baselines={baselines} total={total} testId="compare-accuracy-chart" />
          </div>
          <Verdict entries={entries} labels={labels} />
          <ResultsTable entries={entries} labels={labels} />
        </>
      )}
      {entries.some((e) => e.grid) && (
        <div className="compare-images" data-testid="compare-images">
          {entries.map((e, i) =>
            e.grid ? (
              <GridFigure
                key={e.id}
                grid={e.grid}
                rowLabels={classes}
                maxHeight={300}
                maxScale={6}
                size="small"
                ariaLabel={describeGrid({ what: `Synthetic images of ${labels[i]}`, iteration: e.iterationsDone, loss: lossAt(e.lossPoints, e.iterationsDone)?.loss, ipc: e.config.ipc, classes })}
                testId={`compare-grid-${i}`}
                caption={
                  <span className="compare-images__caption">
                    <SeriesSwatch style={seriesStyle(i)} /> {labels[i]} · iteration {formatInt(e.iterationsDone)}
                  </span>
                }
              />
            ) : null,
          )}
        </div>
      )}
    </section>
  );
}
