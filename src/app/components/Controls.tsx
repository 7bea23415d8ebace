/**
 * The controls column: run buttons, presets, and the Data, Distillation and Compute cards. Every setting's control
 * is rendered from the settings table (src/shared/settings) by SettingControl; this file only lays the cards out
 * and adds what is not a setting (the estimates, the share panel, the device section).
 */
import { Fragment, type ReactNode } from 'react';
import type { BackendPreference } from '../../shared/protocol';
import { DATASET_OPTIONS, DEFAULT_DATASET, datasetLabel } from '../lib/datasets';
import { isRunActive, useApp } from '../store';
import { SharePanel } from './SharePanel';
import { methodInfo, runSampler } from '../../shared/methods';
import { PRESETS, presetById, presetOf } from '../../shared/presets';
import { BACKEND_CHOICES, SETTINGS, settingOf, shownFor, type Setting } from '../../shared/settings';
import { SelectField } from './controls/fields';
import { RunButtons } from './controls/RunButtons';
import { DeviceSection } from './controls/DeviceSection';
import { MemoryEstimate, ResidentEstimate } from './controls/estimates';
import { estimateRunBytes } from '../../shared/memory';
import { SettingControl, shownSettings } from './controls/SettingControl';

export { NumberField, SelectField } from './controls/fields';
export { SHORTCUTS } from './controls/RunButtons';

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

/** The settings of a section the page shows now, each as its control, with `extra` before or after some of them. */
function SectionFields({ section, locked, before, after }: { section: Setting['section']; locked: boolean; before?: Record<string, ReactNode>; after?: Record<string, ReactNode> }) {
  const config = useApp((s) => s.config);
  return (
    <>
      {shownSettings(SETTINGS, section, config, shownFor).map((s) => (
        <Fragment key={s.param}>
          {before?.[s.param]}
          <SettingControl setting={s} locked={locked} />
          {after?.[s.param]}
        </Fragment>
      ))}
    </>
  );
}

/** Settings most runs leave alone: the image optimiser, the network's depth, the samplers' and inits' budgets. */
function MoreFields({ locked }: { locked: boolean }) {
  const config = useApp((s) => s.config);
  const selects = config.init === 'kmeans' || config.init === 'importance';
  const moreOfMethod = (methodInfo(config.method).settings?.fields ?? []).some((f) => f.more);
  return (
    <details className="more-settings" data-testid="more-settings">
      <summary className="more-settings__summary">
        More settings: learning rate, momentum, depth{selects || runSampler(config) !== 'uniform' || moreOfMethod ? ', budgets' : ''}
      </summary>
      <div className="field-grid">
        <SectionFields section="more" locked={locked} />
      </div>
    </details>
  );
}

const DATASET = settingOf('dataset');
const BACKEND = settingOf('backend');

export function Controls() {
  const datasetId = useApp((s) => s.datasetId);
  const preference = useApp((s) => s.backendPreference);
  const backend = useApp((s) => s.backend);
  const backendStatus = useApp((s) => s.backendStatus);
  const runStatus = useApp((s) => s.runStatus);
  const loadDataset = useApp((s) => s.loadDataset);
  const chooseBackend = useApp((s) => s.chooseBackend);
  const uploadedName = useApp((s) => s.uploadedName);

  const locked = isRunActive(runStatus);
  // Runs whose memory grows with their settings (MTT, KRR, DM with IDM's pool) show the estimate before the seed, with the residency beside it.
  const estimated = useApp((s) => s.dataset !== null && estimateRunBytes(s.config, s.dataset.shape, s.dataset.classes.length) !== null);
  // The dataset and the backend are chosen by actions (load the dataset, restart the engine), not by a config patch.
  const datasetHint = datasetId === 'custom' ? 'Your own files (Dataset card)' : (DATASET_OPTIONS.find((o) => o.id === datasetId)?.hint ?? '');
  const datasetOptions = [
    ...DATASET_OPTIONS.map((o) => [o.id, o.label] as const),
    ...(datasetId === 'custom' || uploadedName ? [['custom', `Yours: ${uploadedName ?? 'uploaded'}`] as const] : []),
  ];
  let backendHint: ReactNode = BACKEND.hint;
  if (backendStatus === 'initializing') backendHint = 'Testing the backend…';
  else if (backend && preference !== 'auto' && backend.backend !== preference) backendHint = `${preference} is not available here; using ${backend.backend}.`;
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
          label={DATASET.label}
          hint={`${datasetHint}: ${DATASET.hint.charAt(0).toLowerCase()}${DATASET.hint.slice(1, -1)}.`}
          def={datasetLabel(DEFAULT_DATASET)}
          value={datasetId}
          options={datasetOptions}
          testId={DATASET.testId!}
          onChange={(id) => void loadDataset(id)}
        />
      </section>

      <section className="panel" aria-labelledby="controls-run">
        <h2 className="panel__title" id="controls-run">
          Distillation
        </h2>
        <div className="field-grid">
          <SectionFields
            section="distillation"
            locked={locked}
            after={{ realPerClass: !estimated && <ResidentEstimate /> }}
            before={{ seed: estimated && <MemoryEstimate /> }}
          />
        </div>
        <MoreFields locked={locked} />
      </section>

      <SharePanel />

      <section className="panel" aria-labelledby="controls-compute">
        <h2 className="panel__title" id="controls-compute">
          Compute
        </h2>
        <SelectField
          label={BACKEND.label}
          hint={backendHint}
          def={BACKEND.kind === 'choice' ? BACKEND.defaultText as string : ''}
          value={preference}
          options={BACKEND_CHOICES as readonly (readonly [BackendPreference, string])[]}
          testId={BACKEND.testId!}
          onChange={(b) => void chooseBackend(b)}
        />
        <DeviceSection />
      </section>
    </div>
  );
}
