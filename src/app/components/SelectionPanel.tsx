import { memo, useDeferredValue } from 'react';
import type { DrawHistogram } from '../../shared/protocol';
import { formatInt } from '../lib/format';
import { useApp } from '../store';
import { GridFigure } from './GridFigure';

/** A histogram of how many training images were drawn 0, 1, 2, … times into real batches. */
function DrawsChart() {
  const draws = useApp((s) => s.selection?.draws);
  // Updates drawn at low priority, so a burst of run events never waits on the histogram.
  const deferred = useDeferredValue(draws);
  if (!deferred) return null;
  return <DrawsChartView draws={deferred} />;
}

/**
 * The histogram as plain HTML bars (height ∝ √images, so the small bins stay visible), each with its count written
 * above it. Cheap to redraw: the run updates it a few times a second.
 */
const DrawsChartView = memo(function DrawsChartView({ draws }: { draws: DrawHistogram }) {
  const pct = draws.images > 0 ? Math.round((1000 * draws.drawnOnce) / draws.images) / 10 : 0;
  const top = Math.sqrt(Math.max(1, ...draws.bins.map((b) => b.images)));
  return (
    <figure className="selection__draws" data-testid="draws-histogram">
      <figcaption className="grid-figure__caption">
        How often each real image was drawn: <strong className="num">{formatInt(draws.drawnOnce)}</strong> of{' '}
        {formatInt(draws.images)} training images ({pct}%) at least once, {formatInt(draws.totalDraws)} draws in all
      </figcaption>
      <ol className="histogram" aria-label="Training images by the number of times they were drawn">
        {draws.bins.map((b) => (
          <li key={b.label} className="histogram__bin">
            <span className="histogram__count num">{formatInt(b.images)}</span>
            <span className="histogram__bar" style={{ height: `${(Math.sqrt(b.images) / top) * 100}%` }} aria-hidden="true" />
            <span className="histogram__label">
              <span className="visually-hidden">drawn </span>
              {b.label}
              <span className="visually-hidden"> times</span>
            </span>
          </li>
        ))}
      </ol>
      <p className="histogram__axis" aria-hidden="true">
        times drawn (bar height ∝ √images)
      </p>
    </figure>
  );
});

/**
 * Which real images the run chose: the importance initialiser's ranking (drawn ones framed), DREAM's current
 * representatives, and the histogram of draws, so a person sees why "important" and "representative" differ
 * from random.
 */
export function SelectionPanel() {
  const selection = useApp((s) => s.selection);
  const classes = useApp((s) => s.dataset?.classes);
  const sampler = useApp((s) => s.runConfig?.sampler ?? 'uniform');
  if (!selection || (!selection.importance && !selection.dream && !selection.draws)) return null;
  return (
    <section className="card" aria-labelledby="selection-title" data-testid="selection-panel">
      <header className="card__header">
        <h2 className="card__title" id="selection-title">
          Which real images
        </h2>
        <p className="card__meta">real batches: {sampler}</p>
      </header>
      {selection.importance && (
        <GridFigure
          grid={selection.importance.grid}
          rowLabels={classes}
          maxHeight={260}
          maxScale={3}
          size="small"
          testId="importance-strip"
          ariaLabel="Candidate real images per class in decreasing importance; the drawn ones are framed"
          caption={
            <>
              Initial images by importance: candidates in decreasing sampling probability π (left = most important); the
              framed ones were drawn.
            </>
          }
        />
      )}
      {selection.dream && (
        <GridFigure
          grid={selection.dream.grid}
          rowLabels={classes}
          maxHeight={260}
          maxScale={3}
          size="small"
          testId="dream-batch"
          ariaLabel="The real images nearest the current k-means centres, per class"
          caption={
            <>
              DREAM batch: the real image nearest each k-means centre
              {selection.dream.refreshedAt >= 0 ? `, clustered at iteration ${formatInt(selection.dream.refreshedAt)}` : ''}.
            </>
          }
        />
      )}
      <DrawsChart />
    </section>
  );
}
