import { useMemo } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { formatInt, formatLoss } from '../lib/format';
import { canUseLogScale, downsample, logTicks, lossDomain } from '../lib/series';
import { useApp } from '../store';

const MAX_POINTS = 500;

function LossChart() {
  const points = useApp((s) => s.lossPoints);
  const total = useApp((s) => s.runConfig?.iterations ?? s.config.iterations);
  const data = useMemo(() => downsample(points, MAX_POINTS), [points]);
  const log = canUseLogScale(data);
  const domain = lossDomain(data, log);
  const ticks = log ? logTicks(domain[0], domain[1]) : undefined;
  const lastIteration = data.at(-1)?.iteration ?? 0;

  return (
    <LineChart
      responsive
      className="loss-chart__chart"
      style={{ width: '100%', height: 220 }}
      data={data}
      margin={{ top: 8, right: 12, bottom: 4, left: 0 }}
      accessibilityLayer
    >
      <CartesianGrid strokeDasharray="3 4" vertical={false} />
      <XAxis
        dataKey="iteration"
        type="number"
        domain={[0, Math.max(total, lastIteration, 1)]}
        allowDecimals={false}
        tickFormatter={(v: number) => formatInt(v)}
        tickLine={false}
        fontSize={11}
      />
      <YAxis
        dataKey="loss"
        type="number"
        scale={log ? 'log' : 'linear'}
        domain={domain}
        ticks={ticks && ticks.length >= 2 ? ticks : undefined}
        allowDataOverflow
        tickFormatter={(v: number) => formatLoss(v)}
        tickLine={false}
        width={52}
        fontSize={11}
      />
      <Tooltip
        isAnimationActive={false}
        formatter={(v) => [typeof v === 'number' ? formatLoss(v) : String(v), 'loss']}
        labelFormatter={(v) => `iteration ${typeof v === 'number' ? formatInt(v) : String(v)}`}
      />
      <Line
        type="linear"
        dataKey="loss"
        stroke="#1d6fd1"
        strokeWidth={1.75}
        dot={false}
        activeDot={{ r: 3 }}
        isAnimationActive={false}
      />
    </LineChart>
  );
}

/** The loss curve of the current run (downsampled to at most 500 points), log-scaled when the loss is positive. */
export function LossPanel() {
  const count = useApp((s) => s.lossPoints.length);
  const last = useApp((s) => s.lossPoints.at(-1));
  const first = useApp((s) => s.lossPoints[0]);
  const runStatus = useApp((s) => s.runStatus);
  const hasLog = useApp((s) => s.lossPoints.length > 0 && s.lossPoints.every((p) => p.loss > 0));

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
