/**
 * One row of the settings table (src/shared/settings) as a control: a number input, a select or a checkbox, with
 * its label, hint, default and test id from the table; locked while a run is active.
 */
import { useId } from 'react';
import type { RunConfig } from '../../../shared/protocol';
import { defaultText, readSetting, writeSetting, type Setting } from '../../../shared/settings';
import { formatInt } from '../../lib/format';
import { useApp } from '../../store';
import { NumberField, SelectField } from './fields';

export function SettingControl({ setting: s, locked }: { setting: Setting; locked: boolean }) {
  const config = useApp((st) => st.config);
  const setConfig = useApp((st) => st.setConfig);
  const hintId = useId();
  const hint = s.pageHint ? s.pageHint(config) : s.hint;
  // Whole defaults with thousands separators; a fractional one (KRR's label learning rate, 0.1) as it is.
  const def = defaultText(s, config, (n) => (Number.isInteger(n) ? formatInt(n) : String(n)));
  const disabled = locked || (s.disabled?.(config) ?? false);
  const set = (value: unknown) => setConfig(writeSetting(s, config, value));
  const value = readSetting(s, config);
  switch (s.kind) {
    case 'number': {
      // A setting edited in other units (α in %) is shown scaled and whole.
      const scale = s.scale ?? 1;
      const max = s.maxFor ? s.maxFor(config) : s.limit.max;
      return (
        <NumberField
          label={s.label}
          hint={hint}
          def={def}
          value={scale === 1 ? (value as number) : Math.round((value as number) * scale)}
          min={s.limit.min * scale}
          max={max * scale}
          step={s.step}
          decimal={!s.limit.int && scale === 1}
          disabled={disabled}
          testId={s.testId!}
          onCommit={(v) => set(scale === 1 ? v : v / scale)}
        />
      );
    }
    case 'choice':
      return <SelectField label={s.label} hint={hint} def={def} value={value as string} options={s.choices} disabled={disabled} testId={s.testId!} onChange={set} />;
    case 'bool':
    case 'toggle':
      return (
        <div className="field">
          <label className="checkbox">
            <input type="checkbox" checked={value === true} disabled={disabled} data-testid={s.testId} aria-describedby={hintId} onChange={(e) => set(e.target.checked)} />
            <span className="field__label">{s.label}</span>
          </label>
          <p className="field__hint" id={hintId}>
            {hint}
            <span className="field__default"> Default: {def}.</span>
          </p>
        </div>
      );
  }
}

/** The table's settings of a section that the page shows for `config`, in the table's order. */
export function shownSettings(all: readonly Setting[], section: Setting['section'], config: RunConfig, shown: (s: Setting, c: RunConfig) => boolean): Setting[] {
  return all.filter((s) => s.section === section && s.testId !== undefined && shown(s, config));
}
