/**
 * The lab's plots (recharts): against the number of points m, the subspace fraction and the test accuracy of the
 * distilled set and of as many random real points, with the reference lines r/d and "whole training set"; and
 * the live trace of the distillation in progress (subspace fraction by iteration).
 */
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { LabAccuracy, LabCurvePoint } from '../../../shared/lab';
import type { LabTracePoint } from './labStore';

const DISTILLED = '#2563eb';
const RANDOM = '#d97706';
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const pctTick = (v: number) => `${Math.round(100 * v)}%`;

function tooltipValue(v: unknown, name: unknown): [string, string] {
  return [typeof v === 'number' ? pct(v) : String(v), String(name)];
}

/** Subspace fraction and accuracy against m (log-2 spaced m values read best on a log axis). */
export function LabCurveCharts({ curve, chance, full }: { curve: readonly LabCurvePoint[]; chance: number | null; full: LabAccuracy | null }) {
  const rows = curve.map((p) => ({ m: p.m, fd: p.fraction.distilled, fr: p.fraction.random, ad: p.accuracy.distilled.mean, ar: p.accuracy.random.mean }));
  const ms = curve.map((p) => p.m);
  const xDomain: [number, number] = ms.length ? [Math.min(...ms), Math.max(...ms)] : [1, 2];
  const x = (
    <XAxis dataKey="m" type="number" scale="log" domain={xDomain} ticks={ms} allowDataOverflow tickFormatter={(v: number) => String(v)} tickLine={false} fontSize={11} label={{ value: 'points m', position: 'insideBottomRight', offset: -2, fontSize: 11 }} />
  );
  return (
    <div className="lab__charts">
      <div className="compare-chart" data-testid="lab-fraction-chart">
        <p className="compare-chart__title">Energy in the hidden subspace, ‖Uᵀx‖²/‖x‖²</p>
        <LineChart responsive style={{ width: '100%', height: 220 }} data={rows} margin={{ top: 6, right: 12, bottom: 12, left: 0 }} accessibilityLayer role="img" aria-label={`Subspace fraction against m: distilled ${rows.map((r) => pct(r.fd)).join(', ')}; random ${rows.map((r) => pct(r.fr)).join(', ')}`}>
          <CartesianGrid strokeDasharray="3 4" vertical={false} />
          {x}
          <YAxis type="number" domain={[0, 1]} ticks={[0, 0.25, 0.5, 0.75, 1]} tickFormatter={pctTick} tickLine={false} width={44} fontSize={11} />
          <Tooltip isAnimationActive={false} formatter={tooltipValue} labelFormatter={(v) => `m = ${String(v)}`} />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          {chance !== null && <ReferenceLine y={chance} stroke="#6b7280" strokeDasharray="4 3" label={{ value: `r/d = ${pct(chance)}`, position: 'insideTopRight', fontSize: 10, fill: '#4b5563' }} />}
          <Line type="linear" dataKey="fd" name="distilled" stroke={DISTILLED} strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} />
          <Line type="linear" dataKey="fr" name="random real" stroke={RANDOM} strokeWidth={2} strokeDasharray="5 3" dot={{ r: 3 }} isAnimationActive={false} />
        </LineChart>
      </div>
      <div className="compare-chart" data-testid="lab-accuracy-chart">
        <p className="compare-chart__title">Test accuracy of a fresh network trained on the m points</p>
        <LineChart responsive style={{ width: '100%', height: 220 }} data={rows} margin={{ top: 6, right: 12, bottom: 12, left: 0 }} accessibilityLayer role="img" aria-label={`Accuracy against m: distilled ${rows.map((r) => pct(r.ad)).join(', ')}; random ${rows.map((r) => pct(r.ar)).join(', ')}`}>
          <CartesianGrid strokeDasharray="3 4" vertical={false} />
          {x}
          <YAxis type="number" domain={[0.4, 1]} ticks={[0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]} tickFormatter={pctTick} tickLine={false} width={44} fontSize={11} />
          <Tooltip isAnimationActive={false} formatter={tooltipValue} labelFormatter={(v) => `m = ${String(v)}`} />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          <ReferenceLine y={0.5} stroke="#9ca3af" strokeDasharray="2 3" label={{ value: 'chance', position: 'insideBottomRight', fontSize: 10, fill: '#6b7280' }} />
          {full && <ReferenceLine y={full.mean} stroke="#6b7280" strokeDasharray="4 3" label={{ value: `whole training set ${pct(full.mean)}`, position: 'insideTopLeft', fontSize: 10, fill: '#4b5563' }} />}
          <Line type="linear" dataKey="ad" name="distilled" stroke={DISTILLED} strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} />
          <Line type="linear" dataKey="ar" name="random real" stroke={RANDOM} strokeWidth={2} strokeDasharray="5 3" dot={{ r: 3 }} isAnimationActive={false} />
        </LineChart>
      </div>
    </div>
  );
}

/** The distillation in progress: subspace fraction by iteration. */
export function LabTraceChart({ trace, iterations, chance, m }: { trace: readonly LabTracePoint[]; iterations: number; chance: number | null; m: number }) {
  return (
    <div className="compare-chart" data-testid="lab-trace-chart">
      <p className="compare-chart__title">Distilling m = {m}: subspace fraction by iteration</p>
      <LineChart responsive style={{ width: '100%', height: 160 }} data={[...trace]} margin={{ top: 6, right: 12, bottom: 4, left: 0 }} accessibilityLayer role="img" aria-label={`Subspace fraction of the ${m} points being distilled, ${trace.length ? pct(trace.at(-1)!.fraction) : 'not yet measured'}`}>
        <CartesianGrid strokeDasharray="3 4" vertical={false} />
        <XAxis dataKey="iteration" type="number" domain={[0, iterations]} allowDecimals={false} tickLine={false} fontSize={11} />
        <YAxis type="number" domain={[0, 1]} ticks={[0, 0.5, 1]} tickFormatter={pctTick} tickLine={false} width={44} fontSize={11} />
        {chance !== null && <ReferenceLine y={chance} stroke="#6b7280" strokeDasharray="4 3" />}
        <Line type="linear" dataKey="fraction" name="subspace fraction" stroke={DISTILLED} strokeWidth={2} dot={false} isAnimationActive={false} />
      </LineChart>
    </div>
  );
}
