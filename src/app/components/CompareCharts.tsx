/**
 * Charts with several runs on the same axes: loss curves and accuracy against iterations (mean ± one std as a
 * band, markers at the evaluated iterations), baselines as labelled reference lines. Each run has a colour, a
 * dash pattern and a marker shape (colour is never the only cue), shown in one legend.
 */
import { useMemo } from 'react';
import { Area, CartesianGrid, ComposedChart, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { EvalReport, LossPoint } from '../../shared/protocol';
import { formatInt, formatLoss } from '../lib/format';
import { downsample, logTicks, lossDomain } from '../lib/series';
import { describeAccuracySeries, describeLossSeries } from '../lib/describe';
import { accuracyCurve, accuracyTicks, mergeByIteration, type BaselineRow, type SeriesStyle } from '../lib/compare';

export interface ChartSeries<T> {
  label: string;
  style: SeriesStyle;
  points: readonly T[];
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** A marker of the given shape centred on (cx, cy), radius r. */
export function MarkerShape({ shape, cx, cy, r = 3.5, color, hollow = false }: { shape: SeriesStyle['marker']; cx: number; cy: number; r?: number; color: string; hollow?: boolean }) {
  const common = { fill: hollow ? '#fff' : color, stroke: color, strokeWidth: 1.5 };
  if (shape === 'square') return <rect x={cx - r} y={cy - r} width={2 * r} height={2 * r} {...common} />;
  if (shape === 'triangle') return <polygon points={`${cx},${cy - r * 1.2} ${cx + r * 1.15},${cy + r * 0.9} ${cx - r * 1.15},${cy + r * 0.9}`} {...common} />;
  if (shape === 'diamond') return <polygon points={`${cx},${cy - r * 1.3} ${cx + r * 1.1},${cy} ${cx},${cy + r * 1.3} ${cx - r * 1.1},${cy}`} {...common} />;
  return <circle cx={cx} cy={cy} r={r} {...common} />;
}

/** A legend swatch: a short stretch of the series' line with its marker. */
export function SeriesSwatch({ style }: { style: SeriesStyle }) {
  return (
    <svg className="series-swatch" width="34" height="12" viewBox="0 0 34 12" aria-hidden="true">
      <line x1="1" y1="6" x2="33" y2="6" stroke={style.color} strokeWidth="2" strokeDasharray={style.dash || undefined} />
      <MarkerShape shape={style.marker} cx={17} cy={6} r={3.5} color={style.color} />
    </svg>
  );
}

function BaselineSwatch({ dash }: { dash: string }) {
  return (
    <svg className="series-swatch" width="34" height="12" viewBox="0 0 34 12" aria-hidden="true">
      <line x1="1" y1="6" x2="33" y2="6" stroke="#6b7280" strokeWidth="1.5" strokeDasharray={dash} />
    </svg>
  );
}

/** One legend for the runs (and the baselines) of the charts beside it. */
export function SeriesLegend({ series, baselines = [] }: { series: readonly { label: string; style: SeriesStyle }[]; baselines?: readonly BaselineRow[] }) {
  return (
    <ul className="series-legend" aria-label="Legend">
      {series.map((s, i) => (
        <li key={i}>
          <SeriesSwatch style={s.style} />
          <span>{s.label}</span>
        </li>
      ))}
      {baselines.map((b, i) => (
        <li key={`b${i}`} className="series-legend__baseline">
          <BaselineSwatch dash={b.dash} />
          <span>
            {b.label} (real images){b.scope ? `, ${b.scope}` : ''}: {pct(b.mean)}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** A recharts dot renderer drawing the series' marker at every `every`-th row that has a value (and the last). */
function markerDot(style: SeriesStyle, key: string, every: number, rows: number) {
  return function Dot(props: { cx?: number | null; cy?: number | null; index?: number; payload?: Record<string, unknown> }) {
    const { cx, cy, index = 0, payload } = props;
    const has = typeof payload?.[key] === 'number' && typeof cx === 'number' && typeof cy === 'number';
    if (!has || (index % every !== 0 && index !== rows - 1)) return <g key={`${key}-${index}`} />;
    return (
      <g key={`${key}-${index}`}>
        <MarkerShape shape={style.marker} cx={cx} cy={cy} color={style.color} />
      </g>
    );
  };
}

/** Loss curves of several runs on one pair of axes (each downsampled; log scale when every loss is positive). */
export function LossCompareChart({ series, total, testId }: { series: readonly ChartSeries<LossPoint>[]; total: number; testId?: string }) {
  const rows = useMemo(() => mergeByIteration(series.map((s) => downsample(s.points, 300).map((p) => ({ iteration: p.iteration, value: p.loss })))), [series]);
  const values = rows.flatMap((r) => series.map((_, i) => r[`v${i}`]).filter((v): v is number => typeof v === 'number'));
  const asPoints = values.map((loss) => ({ iteration: 0, loss }));
  const log = values.length > 0 && values.every((v) => v > 0);
  const domain = lossDomain(asPoints, log);
  const ticks = log ? logTicks(domain[0], domain[1]) : undefined;
  const every = Math.max(1, Math.ceil(rows.length / 10));
  return (
    <div className="compare-chart" data-testid={testId}>
      <p className="compare-chart__title">Loss{log ? ' (log scale)' : ''}</p>
      <LineChart
        responsive
        style={{ width: '100%', height: 220 }}
        data={rows}
        margin={{ top: 6, right: 12, bottom: 4, left: 0 }}
        accessibilityLayer
        role="img"
        aria-label={describeLossSeries(series, log)}
      >
        <CartesianGrid strokeDasharray="3 4" vertical={false} />
        <XAxis dataKey="iteration" type="number" domain={[0, Math.max(total, 1)]} allowDecimals={false} tickFormatter={(v: number) => formatInt(v)} tickLine={false} fontSize={11} />
        <YAxis type="number" scale={log ? 'log' : 'linear'} domain={domain} ticks={ticks && ticks.length >= 2 ? ticks : undefined} allowDataOverflow tickFormatter={(v: number) => formatLoss(v)} tickLine={false} width={52} fontSize={11} />
        <Tooltip isAnimationActive={false} formatter={(v, name) => [typeof v === 'number' ? formatLoss(v) : String(v), name]} labelFormatter={(v) => `iteration ${typeof v === 'number' ? formatInt(v) : String(v)}`} />
        {series.map((s, i) => (
          <Line
            key={i}
            type="linear"
            dataKey={`v${i}`}
            name={s.label}
            stroke={s.style.color}
            strokeDasharray={s.style.dash || undefined}
            strokeWidth={1.75}
            dot={markerDot(s.style, `v${i}`, every, rows.length)}
            activeDot={{ r: 3 }}
            connectNulls
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </div>
  );
}

/** The y range that shows every band and baseline, padded, within 0..100%. */
function accuracyDomain(rows: ReturnType<typeof mergeByIteration>, n: number, baselines: readonly BaselineRow[]): [number, number] {
  const ys: number[] = baselines.map((b) => b.mean);
  for (const r of rows) {
    for (let i = 0; i < n; i++) {
      const b = r[`b${i}`];
      if (Array.isArray(b)) ys.push(b[0], b[1]);
    }
  }
  if (ys.length === 0) return [0, 1];
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const pad = Math.max(0.02, (hi - lo) * 0.1);
  return [Math.max(0, Math.floor((lo - pad) * 20) / 20), Math.min(1, Math.ceil((hi + pad) * 20) / 20)];
}

/** Accuracy of each run's set against iterations: mean line with markers, ± one std band, baselines as dashed lines. */
export function AccuracyChart({ series, baselines, total, testId }: { series: readonly ChartSeries<EvalReport>[]; baselines: readonly BaselineRow[]; total: number; testId?: string }) {
  const rows = useMemo(() => mergeByIteration(series.map((s) => accuracyCurve(s.points))), [series]);
  const domain = accuracyDomain(rows, series.length, baselines);
  return (
    <div className="compare-chart" data-testid={testId}>
      <p className="compare-chart__title">Test accuracy (mean ± 1 std band)</p>
      <ComposedChart
        responsive
        style={{ width: '100%', height: 220 }}
        data={rows}
        margin={{ top: 6, right: 12, bottom: 4, left: 0 }}
        accessibilityLayer
        role="img"
        aria-label={describeAccuracySeries(series, baselines)}
      >
        <CartesianGrid strokeDasharray="3 4" vertical={false} />
        <XAxis dataKey="iteration" type="number" domain={[0, Math.max(total, 1)]} allowDecimals={false} tickFormatter={(v: number) => formatInt(v)} tickLine={false} fontSize={11} />
        <YAxis type="number" domain={domain} ticks={accuracyTicks(domain)} allowDataOverflow tickFormatter={(v: number) => `${Math.round(v * 100)}%`} tickLine={false} width={44} fontSize={11} />
        <Tooltip
          isAnimationActive={false}
          formatter={(v, name) => [typeof v === 'number' ? pct(v) : Array.isArray(v) ? `${pct(Number(v[0]))}–${pct(Number(v[1]))}` : String(v), name]}
          labelFormatter={(v) => `iteration ${typeof v === 'number' ? formatInt(v) : String(v)}`}
        />
        {baselines.map((b, i) => (
          <ReferenceLine
            key={`ref${i}`}
            y={b.mean}
            stroke="#6b7280"
            strokeWidth={1.25}
            strokeDasharray={b.dash}
            ifOverflow="extendDomain"
            label={{ value: `${b.label} ${pct(b.mean)}`, position: i % 2 ? 'insideBottomLeft' : 'insideTopRight', fontSize: 10, fill: '#4b5563' }}
          />
        ))}
        {series.map((s, i) => (
          <Area key={`band${i}`} type="linear" dataKey={`b${i}`} stroke="none" fill={s.style.color} fillOpacity={0.14} connectNulls isAnimationActive={false} tooltipType="none" legendType="none" />
        ))}
        {series.map((s, i) => (
          <Line
            key={`line${i}`}
            type="linear"
            dataKey={`v${i}`}
            name={s.label}
            stroke={s.style.color}
            strokeDasharray={s.style.dash || undefined}
            strokeWidth={2}
            dot={markerDot(s.style, `v${i}`, 1, rows.length)}
            activeDot={{ r: 4 }}
            connectNulls
            isAnimationActive={false}
          />
        ))}
      </ComposedChart>
    </div>
  );
}
