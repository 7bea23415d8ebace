/**
 * The Teaching lab panel: the multi-index lab (src/shared/lab.ts) with its presets, settings, the curve of
 * subspace fraction and accuracy against m, the live trace, a table of the numbers, and the preset's text.
 * It runs in the worker (engine.runLab), streams progress, and can be stopped.
 */
import { useState } from 'react';
import { LAB_LIMITS, LAB_LINK_INFO, LAB_LINKS, LAB_PRESETS, labConfigSchema, type LabConfig, type LabLink } from '../../../shared/lab';
import { LabCurveCharts, LabTraceChart } from './LabCharts';
import { useLab } from './labStore';

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

/** A number field that commits on blur or Enter, clamped to its limit. */
function NumberField({ label, value, limit, testId, disabled, onCommit }: { label: string; value: number; limit: { min: number; max: number; int: boolean }; testId: string; disabled: boolean; onCommit: (v: number) => void }) {
  // The text being typed (null: show the committed value).
  const [draft, setDraft] = useState<string | null>(null);
  const commit = () => {
    const n = Number(draft);
    setDraft(null);
    if (draft === null || !Number.isFinite(n) || draft.trim() === '') return;
    const v = Math.min(limit.max, Math.max(limit.min, limit.int ? Math.round(n) : n));
    if (v !== value) onCommit(v);
  };
  return (
    <label className="field">
      <span className="field__label">{label}</span>
      <input className="input" type="number" inputMode="numeric" min={limit.min} max={limit.max} value={draft ?? String(value)} disabled={disabled} data-testid={testId} onChange={(e) => setDraft(e.target.value)} onBlur={commit} onKeyDown={(e) => e.key === 'Enter' && commit()} />
    </label>
  );
}

/** The numbers of points m, typed as "2, 4, 8". */
function PointsField({ value, disabled, onCommit }: { value: number[]; disabled: boolean; onCommit: (v: number[]) => void }) {
  const [draft, setDraft] = useState<string | null>(null);
  const commit = () => {
    setDraft(null);
    if (draft === null) return;
    const parts = draft.split(/[\s,]+/).filter(Boolean).map(Number);
    if (parts.length === 0 || parts.some((p) => !Number.isInteger(p) || p < 1)) return;
    onCommit([...new Set(parts)].sort((a, b) => a - b).slice(0, LAB_LIMITS.pointsCount.max));
  };
  return (
    <label className="field">
      <span className="field__label">Points m (one distillation each)</span>
      <input className="input" type="text" value={draft ?? value.join(', ')} disabled={disabled} data-testid="lab-points-input" onChange={(e) => setDraft(e.target.value)} onBlur={commit} onKeyDown={(e) => e.key === 'Enter' && commit()} />
    </label>
  );
}

export function TeachingLab() {
  const { config, presetId, status, chance, full, curve, live, result, error, setConfig, applyPreset, start, stop } = useLab();
  const running = status === 'running' || status === 'stopping';
  const preset = LAB_PRESETS.find((p) => p.id === presetId);
  const valid = labConfigSchema.safeParse(config);
  const set = (patch: Partial<LabConfig>) => setConfig(patch);
  const progress = running && live ? live.fractionDone : status === 'done' ? 1 : 0;

  return (
    <section className="card lab" aria-labelledby="lab-title" data-testid="lab-panel" data-status={status}>
      <header className="card__header">
        <h2 className="card__title" id="lab-title">
          Teaching lab: what does distillation keep?
        </h2>
        <p className="card__meta">multi-index models, two-layer networks</p>
      </header>
      <p className="compare__teach">
        Synthetic data where the answer is known: inputs x ~ N(0, I<sub>d</sub>), and a label that depends only on r hidden directions U (y = g(Uᵀx)). Gradient matching on
        fresh two-layer networks of width L distils m points; the lab measures how much of their energy lies in the hidden subspace, and how well a fresh network learns from
        them, against m random real points (Kinoshita, Nishikawa, Toyoizumi 2026: the distilled set encodes the subspace, with memory Θ̃(r²d + L)).
      </p>
      <div className="lab__settings">
        <label className="field lab__preset">
          <span className="field__label">Preset</span>
          <select className="input" value={presetId ?? ''} disabled={running} data-testid="lab-preset-select" onChange={(e) => applyPreset(e.target.value)}>
            {presetId === null && <option value="">Custom settings</option>}
            {LAB_PRESETS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field lab__preset">
          <span className="field__label">Link g</span>
          <select className="input" value={config.link} disabled={running} data-testid="lab-link-select" onChange={(e) => set({ link: e.target.value as LabLink })}>
            {LAB_LINKS.map((l) => (
              <option key={l} value={l}>
                {LAB_LINK_INFO[l].label}
              </option>
            ))}
          </select>
        </label>
        <NumberField label="Input dimension d" value={config.d} limit={LAB_LIMITS.d} testId="lab-d-input" disabled={running} onCommit={(d) => set({ d })} />
        <NumberField label="Hidden dimension r" value={config.r} limit={LAB_LIMITS.r} testId="lab-r-input" disabled={running} onCommit={(r) => set({ r })} />
        <NumberField label="Network width L" value={config.width} limit={LAB_LIMITS.width} testId="lab-width-input" disabled={running} onCommit={(width) => set({ width })} />
        <PointsField value={config.points} disabled={running} onCommit={(points) => set({ points })} />
        <NumberField label="Iterations" value={config.iterations} limit={LAB_LIMITS.iterations} testId="lab-iterations-input" disabled={running} onCommit={(iterations) => set({ iterations })} />
        <NumberField label="Seed" value={config.seed} limit={LAB_LIMITS.seed} testId="lab-seed-input" disabled={running} onCommit={(seed) => set({ seed })} />
      </div>
      <p className="field__hint">
        {LAB_LINK_INFO[config.link].formula}: {LAB_LINK_INFO[config.link].hint} Random points hold r/d = {pct(config.r / config.d)} of their energy in the hidden subspace.
        {!valid.success && <span className="field__hint--error"> {valid.error.issues[0]!.message}</span>}
      </p>
      <div className="compare__actions">
        {running ? (
          <button type="button" className="btn btn--small" data-testid="lab-stop" disabled={status === 'stopping'} onClick={() => void stop()}>
            {status === 'stopping' ? 'Stopping…' : 'Stop'}
          </button>
        ) : (
          <button type="button" className="btn btn--small btn--primary" data-testid="lab-run" disabled={!valid.success} onClick={() => void start()}>
            Run the lab
          </button>
        )}
        <span className="lab__status" role="status" data-testid="lab-status">
          {status === 'idle' && 'Not run yet.'}
          {status === 'running' && (live ? (live.evaluating ? `Training fresh networks on the ${live.m} distilled points and on ${live.m} random ones…` : `Distilling m = ${live.m}: iteration ${live.trace.at(-1)?.iteration ?? 0} of ${config.iterations}`) : 'Training networks on the whole training set (the ceiling)…')}
          {status === 'stopping' && 'Stopping after this iteration…'}
          {status === 'done' && result && `Done in ${(result.ms / 1000).toFixed(1)} s.`}
          {status === 'stopped' && `Stopped: ${curve.length} of ${config.points.length} points done.`}
          {status === 'error' && `Failed: ${error ?? ''}`}
        </span>
        {running && <progress className="lab__progress" max={1} value={progress} aria-label="Lab progress" />}
      </div>
      <div className="lab__body">
        <div className="lab__plots">
          {running && live && !live.evaluating && <LabTraceChart trace={live.trace} iterations={config.iterations} chance={chance} m={live.m} />}
          {curve.length > 0 && <LabCurveCharts curve={curve} chance={chance} full={full} />}
          {curve.length > 0 && (
            <table className="lab__table" data-testid="lab-table">
              <thead>
                <tr>
                  <th scope="col">m</th>
                  <th scope="col">numbers stored (m·d)</th>
                  <th scope="col">subspace, distilled</th>
                  <th scope="col">subspace, random</th>
                  <th scope="col">accuracy, distilled</th>
                  <th scope="col">accuracy, random</th>
                </tr>
              </thead>
              <tbody>
                {curve.map((p) => (
                  <tr key={p.m} data-testid={`lab-row-${p.m}`} data-fraction-distilled={p.fraction.distilled} data-fraction-random={p.fraction.random} data-accuracy-distilled={p.accuracy.distilled.mean} data-accuracy-random={p.accuracy.random.mean}>
                    <td>{p.m}</td>
                    <td>{p.numbers}</td>
                    <td>{pct(p.fraction.distilled)}</td>
                    <td>{pct(p.fraction.random)}</td>
                    <td>
                      {pct(p.accuracy.distilled.mean)} ± {pct(p.accuracy.distilled.std)}
                    </td>
                    <td>
                      {pct(p.accuracy.random.mean)} ± {pct(p.accuracy.random.std)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {full && (
            <p className="field__hint" data-testid="lab-reference">
              Whole training set ({config.train} points, {config.train * config.d} numbers): {pct(full.mean)} test accuracy. The theory’s memory scale r²d + L = {config.r * config.r * config.d + config.width} numbers.
            </p>
          )}
        </div>
        <aside className="lab__text" data-testid="lab-teaching-text" aria-label="What to look for">
          <h3 className="lab__text-title">What to look for</h3>
          {(preset ?? LAB_PRESETS[0]!).text.map((t, i) => (
            <p key={i}>{t}</p>
          ))}
          {!preset && <p className="card__muted">(The text of the first preset; your settings differ from it.)</p>}
        </aside>
      </div>
    </section>
  );
}
