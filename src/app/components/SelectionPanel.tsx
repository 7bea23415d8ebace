import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import { formatInt } from '../lib/format';
import { useApp } from '../store';
import { GridFigure } from './GridFigure';

/** A histogram of how many training images were drawn 0, 1, 2, … times into real batches. */
function DrawsChart() {
  const draws = useApp((s) => s.selection?.draws);
  if (!draws) return null;
  const pct = draws.images > 0 ? Math.round((1000 * draws.drawnOnce) / draws.images) / 10 : 0;
  return (
    <figure className="selection__draws" data-testid="draws-histogram">
      <figcaption className="grid-figure__caption">
        How often each real image was drawn: <strong className="num">{formatInt(draws.drawnOnce)}</strong> of{' '}
        {formatInt(draws.images)} training images ({pct}%) at least once, {formatInt(draws.totalDraws)} draws in all
      </figcaption>
      <BarChart
        responsive
        style={{ width: '100%', height: 160 }}
        data={draws.bins}
        margin={{ top: 8, right: 12, bottom: 4, left: 0 }}
        accessibilityLayer
      >
        <CartesianGrid strokeDasharray="3 4" vertical={false} />
        <XAxis dataKey="label" tickLine={false} fontSize={11} label={{ value: 'times drawn', position: 'insideBottomRight', offset: -2, fontSize: 11 }} />
        <YAxis scale="sqrt" domain={[0, 'auto']} allowDecimals={false} tickFormatter={(v: number) => formatInt(v)} tickLine={false} fontSize={11} width={52} />
        <Tooltip formatter={(v) => [formatInt(Number(v)), 'images']} />
        <Bar dataKey="images" fill="var(--accent, #1f6feb)" isAnimationActive={false} />
      </BarChart>
    </figure>
  );
}

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
