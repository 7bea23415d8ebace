import { memo, useDeferredValue, useMemo, useState } from 'react';
import { ChartAxes } from './ChartAxes';
import { useElementWidth } from '../hooks';
import { formatInt, formatLoss } from '../lib/format';
import { canUseLogScale, downsample, linearTicks, logTicks, lossDomain, nearestIndex, type ChartPoint } from '../lib/series';
import { useApp } from '../store';
import type { LossPoint } from '../../shared/protocol';

const MAX_POINTS = 500;
const NO_POINTS: LossPoint[] = [];

const HEIGHT = 220;
const MARGIN = { top: 8, right: 12, bottom: 22, left: 52 };

/**
 * The chart itself: one SVG path of at most 500 points, round ticks, a log axis when the loss is positive, and
 * the nearest point on hover. Hand-drawn rather than a chart library: a redraw costs well under a millisecond, so
 * the page never stalls while a run streams points into it (e2e: no long task). Redrawn only when its
 * (downsampled) data, its axis or its width change.
 */
const LossChartView = memo(function LossChartView({ data, total }: { data: ChartPoint[]; total: number }) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const [hover, setHover] = useState<number | null>(null);
  const log = canUseLogScale(data);
  const [lo, hi] = lossDomain(data, log);
  const lastIteration = data.at(-1)?.iteration ?? 0;
  const xMax = Math.max(total, lastIteration, 1);
  const plotW = Math.max(1, width - MARGIN.left - MARGIN.right);
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (it: number) => MARGIN.left + (it / xMax) * plotW;
  const y = log
    ? (v: number) => MARGIN.top + (1 - (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * plotH
    : (v: number) => MARGIN.top + (1 - (v - lo) / (hi - lo)) * plotH;
  const logT = log ? logTicks(lo, hi) : [];
  const yTicks = log && logT.length >= 2 ? logT : linearTicks(lo, hi, 4);
  const xTicks = linearTicks(0, xMax, Math.max(2, Math.min(6, Math.floor(plotW / 70))));
  const path = data.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.iteration).toFixed(1)},${y(p.loss).toFixed(1)}`).join('');
  const point = hover !== null ? data[hover] : undefined;
  const first = data[0];

  return (
    <div ref={ref} className="loss-chart__chart" style={{ height: HEIGHT }}>
      {width > 0 && (
        <svg
          width={width}
          height={HEIGHT}
          role="img"
          aria-label={
            first && data.length > 0
              ? `Loss against iteration${log ? ' (log scale)' : ''}: ${formatLoss(first.loss)} at iteration ${formatInt(first.iteration)}, ${formatLoss(data.at(-1)!.loss)} at iteration ${formatInt(lastIteration)}`
              : 'Loss against iteration'
          }
          onPointerMove={(e) => {
            const box = e.currentTarget.getBoundingClientRect();
            const it = ((e.clientX - box.left - MARGIN.left) / plotW) * xMax;
            setHover(nearestIndex(data, it));
          }}
          onPointerLeave={() => setHover(null)}
        >
          <ChartAxes xTicks={xTicks} yTicks={yTicks} x={x} y={y} left={MARGIN.left} top={MARGIN.top} plotW={plotW} plotH={plotH} xLabelY={HEIGHT - 6} formatY={formatLoss} />
          <path className="loss-chart__line" data-testid="loss-line" d={path} fill="none" strokeWidth={1.75} strokeLinejoin="round" />
          {point && (
            <g className="loss-chart__hover">
              <line x1={x(point.iteration)} x2={x(point.iteration)} y1={MARGIN.top} y2={MARGIN.top + plotH} />
              <circle cx={x(point.iteration)} cy={y(point.loss)} r={3} />
            </g>
          )}
        </svg>
      )}
      {point && (
        <p className="loss-chart__tip" style={{ left: Math.min(Math.max(0, x(point.iteration) - 60), Math.max(0, width - 130)) }}>
          iteration <strong className="num">{formatInt(point.iteration)}</strong> · loss <strong className="num">{formatLoss(point.loss)}</strong>
        </p>
      )}
    </div>
  );
});

function LossChart() {
  const points = useApp((s) => s.lossPoints);
  const total = useApp((s) => s.runConfig?.iterations ?? s.config.iterations);
  // The first render too: the chart mounts in a deferred (time-sliced) render, after a placeholder.
  const deferred = useDeferredValue(points, NO_POINTS);
  const data = useMemo(() => downsample(deferred, MAX_POINTS), [deferred]);
  if (data.length === 0) return <div className="loss-chart__chart" style={{ height: HEIGHT }} aria-hidden="true" />;
  return <LossChartView data={data} total={total} />;
}

/** The loss curve of the current run (downsampled to at most 500 points), log-scaled when the loss is positive. */
export function LossPanel() {
  const count = useApp((s) => s.lossPoints.length);
  const last = useApp((s) => s.lossPoints.at(-1));
  const first = useApp((s) => s.lossPoints[0]);
  const runStatus = useApp((s) => s.runStatus);
  const points = useApp((s) => s.lossPoints);
  // Once per new curve, not on every store update.
  const hasLog = useMemo(() => points.length > 0 && points.every((p) => p.loss > 0), [points]);

  return (
    <section className="card" aria-labelledby="loss-title">
      <header className="card__header">
        <h2 className="card__title" id="loss-title">
          Loss
        </h2>
        {last && (
          <p className="card__meta">
            now <strong className="num" data-testid="loss-last">{formatLoss(last.loss)}</strong>
            {first && first !== last && (
              <>
                {' '}
                · from <span className="num">{formatLoss(first.loss)}</span>
              </>
            )}
            {hasLog && ' · log scale'}
          </p>
        )}
      </header>
      <div className="loss-chart" data-testid="loss-chart">
        {count > 0 ? (
          <LossChart />
        ) : (
          <p className="loss-chart__empty">
            {runStatus === 'loading' ? 'Waiting for the first iteration…' : 'The matching loss appears here once a run starts.'}
          </p>
        )}
      </div>
    </section>
  );
}
