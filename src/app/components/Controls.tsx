import { useId, useState, type ReactNode } from 'react';
import { DEFAULT_RUN_CONFIG, type BackendPreference, type RunConfig } from '../../shared/protocol';
import { DATASET_OPTIONS, DEFAULT_DATASET, datasetLabel } from '../lib/datasets';
import { formatDuration, formatInt } from '../lib/format';
import { probeEtaMs, probeMethod, resultFigure } from '../../shared/probe';
import { deviceReport } from '../device-hooks';
import { downloadFile } from '../lib/download';
import { canStart, isRunActive, useApp } from '../store';
import { Icon } from './Icon';
import { SharePanel } from './SharePanel';
import { LIMITS } from '../../shared/config';
import {
  INIT_DRAW_IDS,
  INIT_DRAWS,
  INIT_IDS,
  INIT_SETTINGS_DEFAULTS,
  INITS,
  METHODS,
  drawsRealBatches,
  methodInfo,
  runSampler,
  SAMPLER_IDS,
  SAMPLER_SETTINGS_DEFAULTS,
  SAMPLERS,
  samplerSettings,
  settingValues,
} from '../../shared/methods';
import { chooseResidency, estimateRunBytes, formatBytes, residentDataBytes } from '../../shared/memory';
import { PRESETS, presetById, presetOf } from '../../shared/presets';

const BACKEND_OPTIONS: { value: BackendPreference; label: string }[] = [
  { value: 'auto', label: 'Auto (best available)' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'webgl', label: 'WebGL' },
  { value: 'wasm', label: 'WebAssembly (wasm)' },
  { value: 'cpu', label: 'CPU (plain JS, slow)' },
];

interface FieldProps {
  id: string;
  label: string;
  hint: ReactNode;
  /** The setting's default, shown after the hint ("Default: 10."). */
  def?: ReactNode;
  error?: string | null;
  children: ReactNode;
}

function Field({ id, label, hint, def, error, children }: FieldProps) {
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      {children}
      <p id={`${id}-hint`} className={error ? 'field__hint field__hint--error' : 'field__hint'}>
        {error ?? (
          <>
            {hint}
            {def !== undefined && <span className="field__default"> Default: {def}.</span>}
          </>
        )}
      </p>
    </div>
  );
}

interface SelectFieldProps<T extends string> {
  label: string;
  hint: ReactNode;
  def?: ReactNode;
  value: T;
  /** The allowed values, in display order, with their labels. */
  options: readonly (readonly [T, string])[];
  disabled?: boolean;
  testId: string;
  onChange: (value: T) => void;
}

/** A labelled <select> of a closed set of values; anything else the element reports is ignored. */
export function SelectField<T extends string>({ label, hint, def, value, options, disabled, testId, onChange }: SelectFieldProps<T>) {
  const id = useId();
  return (
    <Field id={id} label={label} hint={hint} def={def}>
      <select
        id={id}
        className="input"
        value={value}
        disabled={disabled}
        data-testid={testId}
        aria-describedby={`${id}-hint`}
        onChange={(e) => {
          const picked = options.find(([v]) => v === e.target.value);
          if (picked) onChange(picked[0]);
        }}
      >
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </Field>
  );
}

function parseWhole(text: string): number | null {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

function parseDecimal(text: string): number | null {
  const t = text.trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

interface NumberFieldProps {
  label: string;
  hint: string;
  /** The default (shown after the hint); omitted for settings whose default depends on others. */
  def?: ReactNode;
  value: number;
  min: number;
  max: number;
  step?: number;
  /** Any number in range (learning rate, momentum) rather than a whole one. */
  decimal?: boolean;
  disabled: boolean;
  testId: string;
  onCommit: (value: number) => void;
}

/** A number input that commits valid values as they are typed and snaps back into range on blur. */
export function NumberField({ label, hint, def, value, min, max, step = 1, decimal = false, disabled, testId, onCommit }: NumberFieldProps) {
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  const parse = decimal ? parseDecimal : parseWhole;
  const text = draft ?? String(value);
  const parsed = parse(text);
  const invalid = draft !== null && (parsed === null || parsed < min || parsed > max);
  return (
    <Field id={id} label={label} hint={hint} def={def} error={invalid ? `Enter ${decimal ? 'a number' : 'a whole number'} from ${min} to ${max}.` : null}>
      <input
        id={id}
        className="input"
        type="number"
        inputMode={decimal ? 'decimal' : 'numeric'}
        min={min}
        max={max}
        step={decimal ? 'any' : step}
        value={text}
        disabled={disabled}
        aria-invalid={invalid || undefined}
        aria-describedby={`${id}-hint`}
        data-testid={testId}
        onChange={(e) => {
          const t = e.target.value;
          setDraft(t);
          const n = parse(t);
          if (n !== null && n >= min && n <= max) onCommit(n);
        }}
        onBlur={() => {
          if (draft === null) return;
          const n = parse(draft);
          if (n !== null) onCommit(Math.min(max, Math.max(min, n)));
          setDraft(null);
        }}
      />
    </Field>
  );
}

/** The keyboard shortcuts, as the page lists them (the handlers are in ../hooks.ts). */
export const SHORTCUTS: readonly { keys: string[]; what: string }[] = [
  { keys: ['Space'], what: 'run / pause' },
  { keys: ['S', '→'], what: 'step' },
  { keys: ['Esc'], what: 'stop' },
  { keys: ['R'], what: 'reset' },
];

function RunButtons() {
  const runStatus = useApp((s) => s.runStatus);
  const pending = useApp((s) => s.pending);
  const ready = useApp(canStart);
  const datasetStatus = useApp((s) => s.datasetStatus);
  const backendStatus = useApp((s) => s.backendStatus);
  const iteration = useApp((s) => s.iteration);
  const start = useApp((s) => s.start);
  const pause = useApp((s) => s.pause);
  const resume = useApp((s) => s.resume);
  const step = useApp((s) => s.step);
  const stop = useApp((s) => s.stop);
  const reset = useApp((s) => s.reset);
  const backend = useApp((s) => s.backend);
  const config = useApp((s) => s.config);

  // Before the first iteration's timing: the ETA from Auto's probe (a step of the run's method, scaled to the run's size).
  const etaMs = backend?.probe ? probeEtaMs(backend.probe, config, backend.backend) : null;
  const otherMethod = backend?.probe && probeMethod(backend.probe) !== config.method ? probeMethod(backend.probe).toUpperCase() : null;
  const eta =
    etaMs !== null
      ? ` About ${formatDuration(etaMs)} for ${formatInt(config.iterations)} iterations on ${backend!.backend} (Auto's probe).`
      : otherMethod
        ? ` Auto timed ${otherMethod}: Measure again (Device) for an estimate of this method.`
        : '';

  const active = isRunActive(runStatus);
  const paused = runStatus === 'paused';
  const canPause = (runStatus === 'running' && !pending) || (paused && !pending);
  const canStep = ready || ((paused || runStatus === 'running') && !pending);
  const canReset = runStatus !== 'idle' && pending !== 'stop';

  let note: string;
  if (backendStatus === 'initializing') note = 'Starting the compute backend…';
  else if (datasetStatus === 'loading') note = 'Loading the dataset…';
  else if (datasetStatus === 'error' || backendStatus === 'error') note = 'Fix the problem above, then run.';
  else if (runStatus === 'loading') note = `Preparing the run (compiling kernels)…${eta}`;
  else if (pending === 'step') note = 'Stepping one iteration…';
  else if (pending === 'pause') note = 'Pausing after this iteration…';
  else if (pending === 'stop') note = 'Stopping…';
  else if (paused) note = `Paused at iteration ${iteration}. Resume, or step one iteration at a time.`;
  else if (active) note = 'Distilling… settings are locked until the run ends.';
  else if (runStatus === 'done') note = 'Done. Change settings and run again, or reset.';
  else note = `Ready.${eta}`;

  return (
    <div className="run-buttons">
      <div className="run-buttons__row">
        <button
          type="button"
          className="btn btn--primary btn--run"
          data-testid="run-button"
          title="Run (Space)"
          aria-keyshortcuts="Space"
          disabled={!ready}
          onClick={() => void start()}
        >
          <Icon name="play" />
          Run
        </button>
        <button
          type="button"
          className="btn"
          data-testid="pause-button"
          title={paused ? 'Resume (Space)' : 'Pause (Space)'}
          aria-keyshortcuts="Space"
          disabled={!canPause}
          onClick={paused ? resume : pause}
        >
          <Icon name={paused ? 'play' : 'pause'} />
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button
          type="button"
          className="btn"
          data-testid="step-button"
          title={runStatus === 'running' ? 'Pause, then step one iteration at a time (S or →)' : 'Step one iteration (S or →)'}
          aria-keyshortcuts="S ArrowRight"
          disabled={!canStep}
          onClick={step}
        >
          <Icon name="step" />
          Step
        </button>
        <button
          type="button"
          className="btn"
          data-testid="stop-button"
          title="Stop (Esc)"
          aria-keyshortcuts="Escape"
          disabled={!active || pending === 'stop'}
          onClick={() => void stop()}
        >
          <Icon name="stop" />
          Stop
        </button>
        <button
          type="button"
          className="btn"
          data-testid="reset-button"
          title="Reset (R): stop, and clear the images, the curve and the evaluation; the settings stay"
          aria-keyshortcuts="R"
          disabled={!canReset}
          onClick={() => void reset()}
        >
          <Icon name="reset" />
          Reset
        </button>
      </div>
      <p className="run-buttons__note" aria-live="polite" data-testid="run-note">
        {note}
      </p>
      <p className="run-buttons__keys" data-testid="shortcuts">
        <span className="visually-hidden">Keyboard shortcuts: </span>
        {SHORTCUTS.map((k, i) => (
          <span key={k.what} className="run-buttons__key">
            {k.keys.map((key, j) => (
              <span key={key}>
                {j > 0 && ' or '}
                <kbd>{key}</kbd>
              </span>
            ))}{' '}
            {k.what}
            {i < SHORTCUTS.length - 1 && <span className="visually-hidden">, </span>}
          </span>
        ))}
      </p>
    </div>
  );
}

/** Named starting points (src/shared/presets.ts); the picker shows the preset the settings are, if any. */
function PresetPicker({ locked }: { locked: boolean }) {
  const config = useApp((s) => s.config);
  const applyConfig = useApp((s) => s.applyConfig);
  const current = presetOf(config);
  return (
    <section className="panel" aria-labelledby="controls-presets">
      <h2 className="panel__title" id="controls-presets">
        Presets
      </h2>
      <SelectField
        label="Preset"
        hint={current ? current.summary : 'Your own settings. Pick a preset for a tested starting point; every setting below stays editable.'}
        value={current?.id ?? 'custom'}
        options={[['custom', 'Your own settings'] as const, ...PRESETS.map((p) => [p.id, p.label] as const)]}
        disabled={locked}
        testId="preset-select"
        onChange={(id) => {
          const p = presetById(id);
          if (p) void applyConfig(structuredClone(p.config));
        }}
      />
    </section>
  );
}

/**
 * The method's own numeric settings (from its descriptor): the main ones beside the other run settings, or with
 * `more` those under "More settings".
 */
function MethodSettingFields({ locked, more }: { locked: boolean; more: boolean }) {
  const config = useApp((s) => s.config);
  const setConfig = useApp((s) => s.setConfig);
  const info = methodInfo(config.method);
  if (!info.settings) return null;
  const group = info.settings.group;
  const values = settingValues(info, config);
  return (
    <>
      {info.settings.fields
        .filter((f) => (f.more ?? false) === more)
        .map((f) => (
          <NumberField
            key={f.key}
            label={f.label}
            hint={typeof f.hint === 'function' ? f.hint(values) : f.hint}
            def={formatInt(f.default)}
            value={values[f.key]!}
            min={f.limit.min}
            max={f.limit.max}
            step={f.step}
            disabled={locked}
            testId={f.testId}
            onCommit={(v) => setConfig({ [group]: { ...values, [f.key]: v } } as Partial<RunConfig>)}
          />
        ))}
    </>
  );
}

/** The method's on/off options (from its descriptor), each a checkbox. */
function MethodToggles({ locked }: { locked: boolean }) {
  const config = useApp((s) => s.config);
  const setConfig = useApp((s) => s.setConfig);
  const hintId = useId();
  return (
    <>
      {(methodInfo(config.method).toggles ?? []).map((t, i) => (
        <div className="field" key={t.key}>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={(config as unknown as Record<string, unknown>)[t.key] === t.on}
              disabled={locked}
              data-testid={t.testId}
              aria-describedby={`${hintId}-${i}`}
              // Off leaves the field out (or says off, for a toggle a complete config always carries).
              onChange={(e) => setConfig({ [t.key]: e.target.checked ? t.on : t.carryOff ? t.off : undefined } as Partial<RunConfig>)}
            />
            <span className="field__label">{t.label}</span>
          </label>
          <p className="field__hint" id={`${hintId}-${i}`}>
            {t.hint}
            <span className="field__default"> Default: off.</span>
          </p>
        </div>
      ))}
    </>
  );
}

/** The memory a run of the current settings will need (methods whose descriptor estimates it), and what to lower when the backend has less. */
function MemoryEstimate() {
  const config = useApp((s) => s.config);
  const dataset = useApp((s) => s.dataset);
  const backend = useApp((s) => s.backend);
  const needed = dataset ? estimateRunBytes(config, dataset.shape, dataset.classes.length) : null;
  if (needed === null) return null;
  const over = backend !== null && needed > backend.memoryBudget;
  return (
    <>
      <p className={over ? 'field__hint field__hint--error memory-estimate' : 'field__hint memory-estimate'} data-testid="memory-estimate" role={over ? 'alert' : undefined}>
        Needs about {formatBytes(needed)} of memory
        {backend ? `; ${backend.backend} offers about ${formatBytes(backend.memoryBudget)}` : ''}
        {over ? `. ${methodInfo(config.method).memoryAdvice ?? ''}` : '.'}
      </p>
      <ResidentEstimate />
    </>
  );
}

/**
 * Whether the run's dataset will be resident on the device (issue 15: the worker's default, 'auto'), its size,
 * and why not when it will not; beside the memory estimate (MTT, KRR) or under the real images per class (DM, DC).
 */
function ResidentEstimate() {
  const config = useApp((s) => s.config);
  const dataset = useApp((s) => s.dataset);
  const backend = useApp((s) => s.backend);
  if (!dataset || !backend) return null;
  const needed = estimateRunBytes(config, dataset.shape, dataset.classes.length);
  const r = chooseResidency('auto', backend.backend, residentDataBytes(dataset.trainCount, dataset.shape), needed, backend.memoryBudget);
  return (
    <p className="field__hint memory-estimate" data-testid="resident-estimate" data-resident={r.resident}>
      Real data: {r.reason}.
    </p>
  );
}

/** How real batches are drawn, and the refresh interval and loss share of the non-uniform samplers. */
function SamplerFields({ locked }: { locked: boolean }) {
  const config = useApp((s) => s.config);
  const setConfig = useApp((s) => s.setConfig);
  const sampler = config.sampler ?? 'uniform';
  const st = samplerSettings(config);
  const setSt = (patch: Partial<typeof st>) => setConfig({ samplerSettings: { ...st, ...patch } });
  // A method that draws no real batches while distilling has no sampler to choose.
  const none = !drawsRealBatches(config.method);
  return (
    <>
      <SelectField
        label="Real batches"
        hint={none ? (methodInfo(config.method).noSamplerHint ?? SAMPLERS.uniform.hint) : SAMPLERS[sampler].hint}
        def={SAMPLERS.uniform.label}
        value={sampler}
        options={SAMPLER_IDS.map((v) => [v, SAMPLERS[v].label] as const)}
        disabled={locked || none}
        testId="sampler-select"
        onChange={(v) => setConfig({ sampler: v })}
      />
      {!none && sampler !== 'uniform' && (
        <NumberField
          label="Refresh every R iterations"
          hint="How often the probe network is retrained and the batches recomputed (DREAM’s paper: 10)."
          def={SAMPLER_SETTINGS_DEFAULTS.interval}
          value={st.interval}
          min={LIMITS.sampler.interval.min}
          max={LIMITS.sampler.interval.max}
          disabled={locked}
          testId="sampler-interval-input"
          onCommit={(interval) => setSt({ interval })}
        />
      )}
      {!none && sampler === 'importance' && (
        <NumberField
          label="Loss share α (%)"
          hint="π = α·(the image's share of the loss) + (1 − α)·uniform; 0 % is uniform sampling."
          def={`${SAMPLER_SETTINGS_DEFAULTS.alpha * 100} %`}
          value={Math.round(st.alpha * 100)}
          min={0}
          max={100}
          step={5}
          disabled={locked}
          testId="sampler-alpha-input"
          onCommit={(pct) => setSt({ alpha: pct / 100 })}
        />
      )}
    </>
  );
}

/** Settings most runs leave alone: the image optimiser, the network's depth, the samplers' and inits' budgets. */
function MoreFields({ locked }: { locked: boolean }) {
  const config = useApp((s) => s.config);
  const setConfig = useApp((s) => s.setConfig);
  const method = methodInfo(config.method);
  const selects = config.init === 'kmeans' || config.init === 'importance';
  const sampler = runSampler(config);
  const moreOfMethod = (method.settings?.fields ?? []).some((f) => f.more);
  const st = samplerSettings(config);
  const setSt = (patch: Partial<typeof st>) => setConfig({ samplerSettings: { ...st, ...patch } });
  return (
    <details className="more-settings" data-testid="more-settings">
      <summary className="more-settings__summary">More settings: learning rate, momentum, depth{selects || sampler !== 'uniform' || moreOfMethod ? ', budgets' : ''}</summary>
      <div className="field-grid">
        <NumberField
          label="Learning rate of the images"
          hint={`Step size of SGD on the synthetic pixels; choosing a method sets its paper’s value.`}
          def={`${method.defaults.lrImages} for ${config.method.toUpperCase()}`}
          value={config.lrImages}
          min={LIMITS.lrImages.min}
          max={LIMITS.lrImages.max}
          decimal
          disabled={locked}
          testId="lr-input"
          onCommit={(lrImages) => setConfig({ lrImages })}
        />
        <NumberField
          label="Momentum"
          hint="SGD momentum on the synthetic pixels: how much of the last update carries into the next."
          def={`${method.defaults.momentum} for ${config.method.toUpperCase()}`}
          value={config.momentum}
          min={LIMITS.momentum.min}
          max={LIMITS.momentum.max}
          decimal
          disabled={locked}
          testId="momentum-input"
          onCommit={(momentum) => setConfig({ momentum })}
        />
        <NumberField
          label="Network depth"
          hint="Conv blocks (conv, instance norm, ReLU, 2×2 pooling) in the ConvNet; the papers use 3."
          def={DEFAULT_RUN_CONFIG.depth}
          value={config.depth}
          min={LIMITS.depth.min}
          max={LIMITS.depth.max}
          disabled={locked}
          testId="depth-input"
          onCommit={(depth) => setConfig({ depth })}
        />
        {selects && (
          <>
            <SelectField
              label="Init features"
              hint="What the init’s k-means and sensitivities see: a random ConvNet’s embedding, or the raw pixels."
              def="embedding"
              value={config.initFeatures ?? INIT_SETTINGS_DEFAULTS.initFeatures}
              options={[
                ['embed', 'Random ConvNet embedding'],
                ['pixels', 'Pixels'],
              ]}
              disabled={locked}
              testId="init-features-select"
              onChange={(initFeatures) => setConfig({ initFeatures })}
            />
            <NumberField
              label="Init candidates per class"
              hint="Real images per class the init chooses among (0 = all of the class)."
              def={formatInt(INIT_SETTINGS_DEFAULTS.initPool)}
              value={config.initPool ?? INIT_SETTINGS_DEFAULTS.initPool}
              min={LIMITS.initPool.min}
              max={LIMITS.initPool.max}
              step={100}
              disabled={locked}
              testId="init-pool-input"
              onCommit={(initPool) => setConfig({ initPool })}
            />
          </>
        )}
        {sampler !== 'uniform' && (
          <>
            <NumberField
              label="Sampler candidates per class"
              hint="Real images per class scored or clustered at each refresh (0 = all of the class)."
              def={SAMPLER_SETTINGS_DEFAULTS.pool}
              value={st.pool}
              min={LIMITS.sampler.pool.min}
              max={LIMITS.sampler.pool.max}
              step={100}
              disabled={locked}
              testId="sampler-pool-input"
              onCommit={(pool) => setSt({ pool })}
            />
            <NumberField
              label="Probe training steps"
              hint="SGD steps the probe network trains on the synthetic set before its losses or features are used."
              def={SAMPLER_SETTINGS_DEFAULTS.probeSteps}
              value={st.probeSteps}
              min={LIMITS.sampler.probeSteps.min}
              max={LIMITS.sampler.probeSteps.max}
              disabled={locked}
              testId="sampler-probe-input"
              onCommit={(probeSteps) => setSt({ probeSteps })}
            />
          </>
        )}
        <MethodSettingFields locked={locked} more />
      </div>
    </details>
  );
}

/** Auto's measurement: each backend's figure (a step of the method at this width and image size) or why it has none. */
function DeviceSection() {
  const backend = useApp((s) => s.backend);
  const backendStatus = useApp((s) => s.backendStatus);
  const runStatus = useApp((s) => s.runStatus);
  const measure = useApp((s) => s.measureBackends);
  const probe = backend?.probe;
  const [reported, setReported] = useState<'' | 'copied' | 'downloaded'>('');
  // The report (JSON): copied to the clipboard where the browser allows it, and always offered as a download.
  const report = async () => {
    const json = JSON.stringify(await deviceReport(), null, 2);
    downloadFile(new TextEncoder().encode(json), 'distill-device-report.json', 'application/json');
    const copied = await navigator.clipboard?.writeText(json).then(
      () => true,
      () => false,
    );
    setReported(copied ? 'copied' : 'downloaded');
  };
  return (
    <div className="device" data-testid="device-section">
      <h3 className="device__title">Device</h3>
      {probe ? (
        <>
          <p className="field__hint">
            Auto timed a {probeMethod(probe).toUpperCase()} step ({probe.shape.input.join('×')} images, width {probe.shape.width}) on each backend
            {probe.cached ? `, on ${probe.measuredAt.slice(0, 10)} (kept by this browser)` : ` in ${(probe.totalMs / 1000).toFixed(1)} s`} and chose the fastest.
          </p>
          <ul className="device__list" data-testid="device-list">
            {probe.results.map((r) => (
              <li key={r.backend} data-testid={`device-${r.backend}`} className={r.backend === probe.chosen ? 'device__chosen' : undefined}>
                <strong>{r.backend}</strong>
                {r.detail ? ` (${r.detail})` : ''}: {resultFigure(r) ?? r.reason}
                {r.overBudget ? ' (the probe’s budget was spent: it stopped waiting)' : ''}
                {r.backend === probe.chosen ? ' ✓ chosen' : ''}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p className="field__hint">
          {backendStatus === 'initializing' ? 'Measuring…' : 'A forced backend is not measured: choose Auto, or press Measure again.'}
        </p>
      )}
      <div className="device__buttons">
        <button type="button" className="btn" data-testid="measure-again" disabled={isRunActive(runStatus) || backendStatus === 'initializing'} onClick={() => void measure()}>
          Measure again
        </button>
        <button
          type="button"
          className="btn"
          data-testid="copy-device-report"
          disabled={!backend}
          title="The device, every backend's figure or why it has none, cores and browser, as JSON: copied to the clipboard and downloaded, to send back"
          onClick={() => void report()}
        >
          {reported === 'copied' ? 'Copied (and downloaded)' : reported === 'downloaded' ? 'Downloaded' : 'Copy device report'}
        </button>
      </div>
    </div>
  );
}

export function Controls() {
  const config = useApp((s) => s.config);
  const datasetId = useApp((s) => s.datasetId);
  const preference = useApp((s) => s.backendPreference);
  const backend = useApp((s) => s.backend);
  const backendStatus = useApp((s) => s.backendStatus);
  const runStatus = useApp((s) => s.runStatus);
  const setConfig = useApp((s) => s.setConfig);
  const loadDataset = useApp((s) => s.loadDataset);
  const chooseBackend = useApp((s) => s.chooseBackend);
  const dsaHintId = useId();

  const locked = isRunActive(runStatus);
  const set = (patch: Partial<RunConfig>) => setConfig(patch);
  const uploadedName = useApp((s) => s.uploadedName);
  const datasetHint = datasetId === 'custom' ? 'Your own files (Dataset card)' : (DATASET_OPTIONS.find((o) => o.id === datasetId)?.hint ?? '');
  const datasetOptions = [
    ...DATASET_OPTIONS.map((o) => [o.id, o.label] as const),
    ...(datasetId === 'custom' || uploadedName ? [['custom', `Yours: ${uploadedName ?? 'uploaded'}`] as const] : []),
  ];
  const info = methodInfo(config.method);

  let backendHint: ReactNode = 'Where the maths runs: Auto measures each backend on this device and uses the fastest.';
  if (backendStatus === 'initializing') backendHint = 'Testing the backend…';
  else if (backend && preference !== 'auto' && backend.backend !== preference)
    backendHint = `${preference} is not available here; using ${backend.backend}.`;
  else if (backend) backendHint = `Using ${backend.backend}. Changing it restarts the engine.`;

  return (
    <div className="controls">
      <RunButtons />

      <PresetPicker locked={locked} />

      <section className="panel" aria-labelledby="controls-data">
        <h2 className="panel__title" id="controls-data">
          Data
        </h2>
        <SelectField
          label="Dataset"
          hint={`${datasetHint}: the real images to distil.`}
          def={datasetLabel(DEFAULT_DATASET)}
          value={datasetId}
          options={datasetOptions}
          testId="dataset-select"
          onChange={(id) => void loadDataset(id)}
        />
      </section>

      <section className="panel" aria-labelledby="controls-run">
        <h2 className="panel__title" id="controls-run">
          Distillation
        </h2>
        <div className="field-grid">
          <SelectField
            label="Method"
            hint={METHODS[config.method].hint}
            def="DM"
            value={config.method}
            options={Object.values(METHODS).map((m) => [m.id, m.label] as const)}
            disabled={locked}
            testId="method-select"
            // Each method brings the papers' learning rate and momentum for the images.
            onChange={(m) => set({ method: m, ...METHODS[m].defaults })}
          />
          <SelectField
            label="Initialisation"
            hint={`What the synthetic images start as. ${INITS[config.init].hint}`}
            def={INITS[DEFAULT_RUN_CONFIG.init].label}
            value={config.init}
            options={INIT_IDS.map((v) => [v, INITS[v].label] as const)}
            disabled={locked}
            testId="init-select"
            onChange={(init) => set({ init })}
          />
          {config.init === 'importance' && (
            <SelectField
              label="Importance draw"
              hint={INIT_DRAWS[config.initDraw ?? 'sample'].hint}
              def={INIT_DRAWS[INIT_SETTINGS_DEFAULTS.initDraw].label}
              value={config.initDraw ?? 'sample'}
              options={INIT_DRAW_IDS.map((v) => [v, INIT_DRAWS[v].label] as const)}
              disabled={locked}
              testId="init-draw-select"
              onChange={(initDraw) => set({ initDraw })}
            />
          )}
          <SamplerFields locked={locked} />
          <NumberField
            label="Images per class"
            hint={`Synthetic images learned per class (IPC, ${LIMITS.ipc.min}–${LIMITS.ipc.max}): the whole distilled set is this many times the classes.`}
            def={DEFAULT_RUN_CONFIG.ipc}
            value={config.ipc}
            min={LIMITS.ipc.min}
            max={LIMITS.ipc.max}
            disabled={locked}
            testId="ipc-input"
            onCommit={(ipc) => set({ ipc })}
          />
          <NumberField
            label="Iterations"
            hint={`One iteration is ${METHODS[config.method].iteration}.`}
            def={DEFAULT_RUN_CONFIG.iterations}
            value={config.iterations}
            min={LIMITS.iterations.min}
            max={LIMITS.iterations.max}
            step={50}
            disabled={locked}
            testId="iterations-input"
            onCommit={(iterations) => set({ iterations })}
          />
          <NumberField
            label="Network width"
            hint="Channels in each conv layer of the ConvNet that distils, and of those Evaluate trains; the papers use 128, fewer are faster."
            def={DEFAULT_RUN_CONFIG.width}
            value={config.width}
            min={LIMITS.width.min}
            max={LIMITS.width.max}
            step={8}
            disabled={locked}
            testId="width-input"
            onCommit={(width) => set({ width })}
          />
          <NumberField
            label="Real images per class"
            hint={info.realPerClassHint ?? 'Real images of each class drawn per iteration and matched against its synthetic ones; the papers use 256.'}
            def={DEFAULT_RUN_CONFIG.realPerClass}
            value={config.realPerClass}
            min={LIMITS.realPerClass.min}
            max={LIMITS.realPerClass.max}
            disabled={locked}
            testId="real-input"
            onCommit={(realPerClass) => set({ realPerClass })}
          />
          {/* Methods with a memory estimate show the residency beside it; the others here. */}
          {!info.estimateBytes && <ResidentEstimate />}
          <MethodSettingFields locked={locked} more={false} />
          {info.multiFormation && (
            <NumberField
              label="Multi-formation factor"
              hint="IDC: each stored image is an f×f grid of tiles, each upsampled into a training image (f² per stored image, same label). 1 = off; the paper uses 2. Storage stays the images per class."
              def={1}
              value={config.factor ?? 1}
              min={LIMITS.factor.min}
              max={LIMITS.factor.max}
              disabled={locked}
              testId="factor-input"
              onCommit={(factor) => set({ factor: factor > 1 ? factor : undefined })}
            />
          )}
          {info.sequential && (
            <NumberField
              label="SeqMatch subsets (K)"
              hint="Split each class’s images into K subsets optimised one after another (equal shares of the iterations), the earlier ones frozen in the loss, so later images learn what earlier ones could not (SeqMatch). 1 = off; at most the images per class."
              def={1}
              value={config.seqSubsets ?? 1}
              min={LIMITS.seqSubsets.min}
              max={Math.min(LIMITS.seqSubsets.max, config.ipc)}
              disabled={locked}
              testId="seq-subsets-input"
              onCommit={(k) => set({ seqSubsets: k > 1 ? k : undefined })}
            />
          )}
          <MethodToggles locked={locked} />
          {info.estimateBytes && <MemoryEstimate />}
          <NumberField
            label="Seed"
            hint="Every random choice comes from it: the same seed and settings on the same backend give the same images."
            def={DEFAULT_RUN_CONFIG.seed}
            value={config.seed}
            min={LIMITS.seed.min}
            max={LIMITS.seed.max}
            disabled={locked}
            testId="seed-input"
            onCommit={(seed) => set({ seed })}
          />
          <div className="field">
            <label className="checkbox">
              <input
                type="checkbox"
                checked={config.dsa}
                disabled={locked}
                data-testid="dsa-input"
                aria-describedby={`${dsaHintId}`}
                onChange={(e) => set({ dsa: e.target.checked })}
              />
              <span className="field__label">DSA augmentation</span>
            </label>
            <p className="field__hint" id={dsaHintId}>
              Each match, one random colour, crop, cutout, scale or rotation (and flip, except on MNIST), applied alike to the real
              and the synthetic images.<span className="field__default"> Default: on.</span>
            </p>
          </div>
        </div>
        <MoreFields locked={locked} />
      </section>

      <SharePanel />

      <section className="panel" aria-labelledby="controls-compute">
        <h2 className="panel__title" id="controls-compute">
          Compute
        </h2>
        <SelectField
          label="Backend"
          hint={backendHint}
          def="Auto"
          value={preference}
          options={BACKEND_OPTIONS.map((o) => [o.value, o.label] as const)}
          testId="backend-select"
          onChange={(b) => void chooseBackend(b)}
        />
        <DeviceSection />
      </section>
    </div>
  );
}
