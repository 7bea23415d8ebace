import { memo, useDeferredValue, useMemo } from 'react';
import { ChartAxes } from './ChartAxes';
import { useElementWidth } from '../hooks';
import { formatInt } from '../lib/format';
import { linearTicks } from '../lib/series';
import { useChange, type MovementPoint, type SyntheticView } from '../changeStore';
import { CHANGE_NEGATIVE, CHANGE_POSITIVE } from '../../shared/change-colours';

/** A movement or a scale, short: 0, 0.042, 0.42, 1.3. */
export function formatMove(v: number): string {
  if (v === 0) return '0';
  return v >= 1 ? v.toFixed(2) : String(Number(v.toPrecision(2)));
}

/** The colours' amplification: ×7.7, ×12. */
export function formatGain(g: number): string {
  return `×${g >= 10 ? Math.round(g) : g.toFixed(1)}`;
}

/** "Images" / "Change from start" (and "Decoded tiles" when a factorised run sends them) for the synthetic card. */
export function SyntheticViewToggle({ hasDecoded }: { hasDecoded: boolean }) {
  const view = useChange((s) => s.view);
  const setView = useChange((s) => s.setView);
  const options: { id: SyntheticView; label: string }[] = [
    { id: 'images', label: 'Images' },
    { id: 'change', label: 'Change from start' },
    ...(hasDecoded ? [{ id: 'decoded' as const, label: 'Decoded tiles' }] : []),
  ];
  return (
    <div className="view-toggle" role="group" aria-label="What the synthetic images show" data-testid="synthetic-view">
      {options.map((o) => (
        <button key={o.id} type="button" className="view-toggle__option" aria-pressed={view === o.id} onClick={() => setView(o.id)}>
          {o.label}
        </button>
      ))}
    </div>
  );
}

const rgb = (c: readonly number[]) => `rgb(${c.join(',')})`;

/** What the change map's colours mean, with its scale (not colour alone). */
export function ChangeLegend({ scale, gain }: { scale: number; gain: number }) {
  if (scale === 0) {
    return (
      <p className="change-legend" data-testid="change-legend">
        No change yet: every image is still exactly its start.
      </p>
    );
  }
  return (
    <div className="change-legend" data-testid="change-legend">
      <div className="change-legend__bar" aria-hidden="true" style={{ background: `linear-gradient(to right, ${rgb(CHANGE_NEGATIVE)}, #fff, ${rgb(CHANGE_POSITIVE)})` }} />
      <div className="change-legend__ends">
        <span>
          <span className="num">−{formatMove(scale)}</span> darker
        </span>
        <span>unchanged</span>
        <span>
          brighter <span className="num">+{formatMove(scale)}</span>
        </span>
      </div>
      <p className="change-legend__text">
        Each pixel now minus at the start (blue: darker, white: unchanged, red: brighter; colour images: the mean of the
        channels), in standard deviations of the real pixels. Scale{' '}
        <strong className="num" data-testid="change-scale">
          ±{formatMove(scale)} {formatGain(gain)}
        </strong>
        : the largest difference fills the colours, so a change shows {formatGain(gain)} as strong as in the images themselves.
      </p>
    </div>
  );
}

/** Ten colours, told apart also by the figures listed beside the chart. */
const CLASS_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
export const classColour = (c: number) => CLASS_COLOURS[c % CLASS_COLOURS.length]!;

const HEIGHT = 150;
const MARGIN = { top: 8, right: 10, bottom: 20, left: 44 };
const MAX_DRAWN = 300;

/** At most `max` points, evenly spaced, always the last. */
function thin(points: MovementPoint[], max: number): MovementPoint[] {
  if (points.length <= max) return points;
  const step = points.length / max;
  const out: MovementPoint[] = [];
  for (let i = 0; i < max - 1; i++) out.push(points[Math.floor(i * step)]!);
  out.push(points.at(-1)!);
  return out;
}

const MovementSvg = memo(function MovementSvg({ data, total, classes }: { data: MovementPoint[]; total: number; classes: readonly string[] }) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const last = data.at(-1)!;
  const yMax = Math.max(1e-9, ...data.flatMap((p) => p.perClass));
  const xMax = Math.max(total, last.iteration, 1);
  const plotW = Math.max(1, width - MARGIN.left - MARGIN.right);
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (it: number) => MARGIN.left + (it / xMax) * plotW;
  const y = (v: number) => MARGIN.top + (1 - v / yMax) * plotH;
  const yTicks = linearTicks(0, yMax, 3).filter((v) => v <= yMax);
  const xTicks = linearTicks(0, xMax, Math.max(2, Math.min(5, Math.floor(plotW / 80))));
  const ranked = last.perClass.map((v, c) => ({ v, c })).sort((a, b) => b.v - a.v);
  const most = ranked[0];
  const least = ranked.at(-1);
  const label =
    most && least
      ? `How far each class's images moved from their start, against iteration: at iteration ${formatInt(last.iteration)}, most ${classes[most.c] ?? most.c} (${formatMove(most.v)}), least ${classes[least.c] ?? least.c} (${formatMove(least.v)}). The figures are listed below the chart.`
      : 'How far each class’s images moved from their start, against iteration';
  return (
    <div ref={ref} className="movement__chart" style={{ height: HEIGHT }}>
      {width > 0 && (
        <svg width={width} height={HEIGHT} role="img" aria-label={label}>
          <ChartAxes xTicks={xTicks} yTicks={yTicks} x={x} y={y} left={MARGIN.left} top={MARGIN.top} plotW={plotW} plotH={plotH} xLabelY={HEIGHT - 5} formatY={formatMove} />
          {last.perClass.map((_, c) => (
            <path
              key={c}
              d={data.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.iteration).toFixed(1)},${y(p.perClass[c] ?? 0).toFixed(1)}`).join('')}
              fill="none"
              stroke={classColour(c)}
              strokeWidth={1.5}
              strokeLinejoin="round"
            />
          ))}
        </svg>
      )}
    </div>
  );
});

/**
 * Per class, how far the synthetic images moved from their start (mean RMS difference, normalised units) at each
 * image snapshot: a hand-drawn SVG (cheap to redraw while a run streams) and the latest figures as text.
 */
export function MovementChart({ classes, total }: { classes: readonly string[]; total: number }) {
  const movement = useChange((s) => s.movement);
  const deferred = useDeferredValue(movement, movement.slice(0, 1));
  const data = useMemo(() => thin(deferred, MAX_DRAWN), [deferred]);
  const last = movement.at(-1);
  if (!last || data.length === 0) return null;
  return (
    <figure className="movement" data-testid="movement">
      <figcaption className="movement__title">
        How far the images moved <span className="card__muted">(mean RMS change from the start, per class)</span>
      </figcaption>
      <MovementSvg data={data} total={total} classes={classes} />
      <ul className="movement__figures" data-testid="movement-figures" aria-label={`How far each class's images moved by iteration ${last.iteration}`}>
        {last.perClass.map((v, c) => (
          <li key={c} data-class={c}>
            <span className="movement__swatch" style={{ background: classColour(c) }} aria-hidden="true" />
            <span className="movement__class">{classes[c] ?? `class ${c}`}</span> <span className="num">{formatMove(v)}</span>
          </li>
        ))}
      </ul>
      <p className="card__muted movement__note">At iteration <span className="num" data-testid="movement-iteration">{formatInt(last.iteration)}</span>.</p>
    </figure>
  );
}
