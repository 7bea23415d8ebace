import { useId, useState, type ReactNode } from 'react';
import type { BackendPreference, RunConfig } from '../../shared/protocol';
import { DATASET_OPTIONS } from '../lib/datasets';
import { canStart, isRunActive, useApp } from '../store';
import { Icon } from './Icon';
import { SharePanel } from './SharePanel';
import { LIMITS } from '../../shared/config';
import { INIT_DRAW_IDS, INIT_DRAWS, INIT_IDS, INITS, METHODS, SAMPLER_IDS, SAMPLERS, mttSettings, samplerSettings } from '../../shared/methods';
import { estimateRunBytes, formatBytes } from '../../shared/memory';

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
  error?: string | null;
  children: ReactNode;
}

function Field({ id, label, hint, error, children }: FieldProps) {
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      {children}
      <p id={`${id}-hint`} className={error ? 'field__hint field__hint--error' : 'field__hint'}>
        {error ?? hint}
      </p>
    </div>
  );
}

interface SelectFieldProps<T extends string> {
  label: string;
  hint: ReactNode;
  value: T;
  /** The allowed values, in display order, with their labels. */
  options: readonly (readonly [T, string])[];
  disabled?: boolean;
  testId: string;
  onChange: (value: T) => void;
}

/** A labelled <select> of a closed set of values; anything else the element reports is ignored. */
export function SelectField<T extends string>({ label, hint, value, options, disabled, testId, onChange }: SelectFieldProps<T>) {
  const id = useId();
  return (
    <Field id={id} label={label} hint={hint}>
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

interface NumberFieldProps {
  label: string;
  hint: string;
  value: number;
  min: number;
  max: number;
  step?: number;
  disabled: boolean;
  testId: string;
  onCommit: (value: number) => void;
}

/** A whole-number input that commits valid values as they are typed and snaps back into range on blur. */
export function NumberField({ label, hint, value, min, max, step = 1, disabled, testId, onCommit }: NumberFieldProps) {
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  const text = draft ?? String(value);
  const parsed = parseWhole(text);
  const invalid = draft !== null && (parsed === null || parsed < min || parsed > max);
  return (
    <Field id={id} label={label} hint={hint} error={invalid ? `Enter a whole number from ${min} to ${max}.` : null}>
      <input
        id={id}
        className="input"
        type="number"
        inputMode="numeric"
        min={min}
        max={max}
        step={step}
        value={text}
        disabled={disabled}
        aria-invalid={invalid || undefined}
        aria-describedby={`${id}-hint`}
        data-testid={testId}
        onChange={(e) => {
          const t = e.target.value;
          setDraft(t);
          const n = parseWhole(t);
          if (n !== null && n >= min && n <= max) onCommit(n);
        }}
        onBlur={() => {
          if (draft === null) return;
          const n = parseWhole(draft);
          if (n !== null) onCommit(Math.min(max, Math.max(min, n)));
          setDraft(null);
        }}
      />
    </Field>
  );
}

function RunButtons() {
  const runStatus = useApp((s) => s.runStatus);
  const pending = useApp((s) => s.pending);
  const ready = useApp(canStart);
  const datasetStatus = useApp((s) => s.datasetStatus);
  const backendStatus = useApp((s) => s.backendStatus);
  const start = useApp((s) => s.start);
  const pause = useApp((s) => s.pause);
  const resume = useApp((s) => s.resume);
  const stop = useApp((s) => s.stop);

  const active = isRunActive(runStatus);
  const paused = runStatus === 'paused';
  const canPause = (runStatus === 'running' && !pending) || (paused && pending !== 'resume' && pending !== 'stop');

  let note: string;
  if (backendStatus === 'initializing') note = 'Starting the compute backend…';
  else if (datasetStatus === 'loading') note = 'Loading the dataset…';
  else if (datasetStatus === 'error' || backendStatus === 'error') note = 'Fix the problem above, then run.';
  else if (runStatus === 'loading') note = 'Preparing the run (compiling kernels)…';
  else if (pending === 'pause') note = 'Pausing after this iteration…';
  else if (pending === 'stop') note = 'Stopping…';
  else if (paused) note = 'Paused. Resume to continue from here.';
  else if (active) note = 'Distilling… settings are locked until the run ends.';
  else if (runStatus === 'done') note = 'Done. Change settings and run again.';
  else note = 'Ready.';

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
          data-testid="stop-button"
          title="Stop (Esc)"
          aria-keyshortcuts="Escape"
          disabled={!active || pending === 'stop'}
          onClick={() => void stop()}
        >
          <Icon name="stop" />
          Stop
        </button>
      </div>
      <p className="run-buttons__note" aria-live="polite">
        {note}
      </p>
      <p className="run-buttons__keys">
        <kbd>Space</kbd> run / pause · <kbd>Esc</kbd> stop
      </p>
    </div>
  );
}

/** MTT's own settings and the memory the run will need, shown before it starts. */
function MttFields({ locked }: { locked: boolean }) {
  const config = useApp((s) => s.config);
  const dataset = useApp((s) => s.dataset);
  const backend = useApp((s) => s.backend);
  const setConfig = useApp((s) => s.setConfig);
  const m = mttSettings(config);
  const setMtt = (patch: Partial<typeof m>) => setConfig({ mtt: { ...m, ...patch } });
  const needed = dataset ? estimateRunBytes(config, dataset.shape, dataset.classes.length) : null;
  const over = needed !== null && backend !== null && needed > backend.memoryBudget;
  return (
    <>
      <NumberField
        label="Student steps (N)"
        hint="Differentiable training steps per iteration; memory grows with N."
        value={m.syntheticSteps}
        min={LIMITS.mtt.syntheticSteps.min}
        max={LIMITS.mtt.syntheticSteps.max}
        disabled={locked}
        testId="mtt-steps-input"
        onCommit={(syntheticSteps) => setMtt({ syntheticSteps })}
      />
      <NumberField
        label="Experts"
        hint={`Networks trained on real data first (${m.maxStartEpoch + m.expertEpochs} epochs each), kept while the page is open.`}
        value={m.experts}
        min={LIMITS.mtt.experts.min}
        max={LIMITS.mtt.experts.max}
        disabled={locked}
        testId="mtt-experts-input"
        onCommit={(experts) => setMtt({ experts })}
      />
      <NumberField
        label="Expert images per epoch"
        hint="Real images each expert sees per epoch; fewer make the experts quicker to train and weaker."
        value={m.expertImagesPerEpoch}
        min={LIMITS.mtt.expertImagesPerEpoch.min}
        max={LIMITS.mtt.expertImagesPerEpoch.max}
        step={500}
        disabled={locked}
        testId="mtt-expert-images-input"
        onCommit={(expertImagesPerEpoch) => setMtt({ expertImagesPerEpoch })}
      />
      {needed !== null && (
        <p className={over ? 'field__hint field__hint--error memory-estimate' : 'field__hint memory-estimate'} data-testid="memory-estimate" role={over ? 'alert' : undefined}>
          Needs about {formatBytes(needed)} of memory
          {backend ? `; ${backend.backend} offers about ${formatBytes(backend.memoryBudget)}` : ''}
          {over ? '. Lower N, the images per class or the width to run it.' : '.'}
        </p>
      )}
    </>
  );
}

/** How real batches are drawn, and the refresh interval and loss share of the non-uniform samplers. */
function SamplerFields({ locked }: { locked: boolean }) {
  const config = useApp((s) => s.config);
  const setConfig = useApp((s) => s.setConfig);
  const sampler = config.sampler ?? 'uniform';
  const st = samplerSettings(config);
  const setSt = (patch: Partial<typeof st>) => setConfig({ samplerSettings: { ...st, ...patch } });
  const mtt = config.method === 'mtt';
  return (
    <>
      <SelectField
        label="Real batches"
        hint={mtt ? 'MTT draws no real batches while distilling (its experts saw the real data).' : SAMPLERS[sampler].hint}
        value={sampler}
        options={SAMPLER_IDS.map((v) => [v, SAMPLERS[v].label] as const)}
        disabled={locked || mtt}
        testId="sampler-select"
        onChange={(v) => setConfig({ sampler: v })}
      />
      {!mtt && sampler !== 'uniform' && (
        <NumberField
          label="Refresh every R iterations"
          hint="How often the probe network is retrained and the batches recomputed (DREAM: 10)."
          value={st.interval}
          min={LIMITS.sampler.interval.min}
          max={LIMITS.sampler.interval.max}
          disabled={locked}
          testId="sampler-interval-input"
          onCommit={(interval) => setSt({ interval })}
        />
      )}
      {!mtt && sampler === 'importance' && (
        <NumberField
          label="Loss share α (%)"
          hint="π = α·(the image's share of the loss) + (1 − α)·uniform; 0 % is uniform sampling."
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
  const labelsHintId = useId();

  const locked = isRunActive(runStatus);
  const set = (patch: Partial<RunConfig>) => setConfig(patch);
  const uploadedName = useApp((s) => s.uploadedName);
  const datasetHint = datasetId === 'custom' ? 'Your own files (Dataset card)' : (DATASET_OPTIONS.find((o) => o.id === datasetId)?.hint ?? '');
  const datasetOptions = [
    ...DATASET_OPTIONS.map((o) => [o.id, o.label] as const),
    ...(datasetId === 'custom' || uploadedName ? [['custom', `Yours: ${uploadedName ?? 'uploaded'}`] as const] : []),
  ];

  let backendHint: ReactNode = 'Auto tries WebGPU, then WebGL, WebAssembly, CPU.';
  if (backendStatus === 'initializing') backendHint = 'Testing the backend…';
  else if (backend && preference !== 'auto' && backend.backend !== preference)
    backendHint = `${preference} is not available here; using ${backend.backend}.`;
  else if (backend) backendHint = `Using ${backend.backend}. Changing it restarts the engine.`;

  return (
    <div className="controls">
      <RunButtons />

      <section className="panel" aria-labelledby="controls-data">
        <h2 className="panel__title" id="controls-data">
          Data
        </h2>
        <SelectField
          label="Dataset"
          hint={datasetHint}
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
            value={config.method}
            options={Object.values(METHODS).map((m) => [m.id, m.label] as const)}
            disabled={locked}
            testId="method-select"
            // Each method brings the papers' learning rate and momentum for the images.
            onChange={(m) => set({ method: m, ...METHODS[m].defaults })}
          />
          <SelectField
            label="Initialisation"
            hint={INITS[config.init].hint}
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
            hint="Synthetic images learned per class (1–50)."
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
            hint="Channels per layer of the random ConvNet (8–128)."
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
            hint="Real images drawn per class each iteration."
            value={config.realPerClass}
            min={LIMITS.realPerClass.min}
            max={LIMITS.realPerClass.max}
            disabled={locked}
            testId="real-input"
            onCommit={(realPerClass) => set({ realPerClass })}
          />
          {config.method === 'mtt' && <MttFields locked={locked} />}
          {config.method === 'krr' && (
            <div className="field">
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={config.learnLabels ?? false}
                  disabled={locked}
                  data-testid="learn-labels-input"
                  aria-describedby={labelsHintId}
                  onChange={(e) => set({ learnLabels: e.target.checked })}
                />
                <span className="field__label">Learn labels</span>
              </label>
              <p className="field__hint" id={labelsHintId}>
                Off by default. Also learn each synthetic image’s regression target (from its class’s one-hot), as KIP and RFAD
                do; the .npz export carries them as soft_labels, evaluation uses the class labels.
              </p>
            </div>
          )}
          <NumberField
            label="Seed"
            hint="Same seed and settings, same run."
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
              Colour, crop, cutout, scale, rotate (and flip, except MNIST), drawn once and applied alike to real and synthetic
              images.
            </p>
          </div>
        </div>
      </section>

      <SharePanel />

      <section className="panel" aria-labelledby="controls-compute">
        <h2 className="panel__title" id="controls-compute">
          Compute
        </h2>
        <SelectField
          label="Backend"
          hint={backendHint}
          value={preference}
          options={BACKEND_OPTIONS.map((o) => [o.value, o.label] as const)}
          testId="backend-select"
          onChange={(b) => void chooseBackend(b)}
        />
      </section>
    </div>
  );
}
