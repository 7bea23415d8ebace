import { formatInt } from '../lib/format';

/** The dashed grid lines, the x axis line and the tick labels of the page's hand-drawn SVG charts (loss, movement). */
export function ChartAxes(props: {
  xTicks: readonly number[];
  yTicks: readonly number[];
  x: (v: number) => number;
  y: (v: number) => number;
  left: number;
  top: number;
  plotW: number;
  plotH: number;
  /** Where the x tick labels sit (their baseline). */
  xLabelY: number;
  formatY: (v: number) => string;
}) {
  const { xTicks, yTicks, x, y, left, top, plotW, plotH, xLabelY, formatY } = props;
  return (
    <>
      <g className="loss-chart__grid">
        {yTicks.map((v) => (
          <line key={v} x1={left} x2={left + plotW} y1={y(v)} y2={y(v)} strokeDasharray="3 4" />
        ))}
      </g>
      <g className="loss-chart__axis" fontSize={11}>
        <line x1={left} x2={left + plotW} y1={top + plotH} y2={top + plotH} />
        {yTicks.map((v) => (
          <text key={v} x={left - 6} y={y(v)} textAnchor="end" dominantBaseline="middle">
            {formatY(v)}
          </text>
        ))}
        {xTicks.map((v) => (
          <text key={v} x={x(v)} y={xLabelY} textAnchor={v === 0 ? 'start' : 'middle'}>
            {formatInt(v)}
          </text>
        ))}
      </g>
    </>
  );
}
