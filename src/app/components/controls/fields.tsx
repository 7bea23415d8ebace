/** The page's labelled inputs: a select of a closed set of values, and a number input that checks its range. */
import { useId, useState, type ReactNode } from 'react';

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
