/** Small display formatters shared by the components. */

/** "12.3 MB", "850 kB", "12 B". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(bytes < 1e4 ? 1 : 0)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

/** Milliseconds with sensible precision: "0.42 ms", "8.1 ms", "123 ms". */
export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '–';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}

/** Iterations per second from ms per iteration. */
export function formatRate(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms <= 0) return '–';
  const rate = 1000 / ms;
  return rate >= 100 ? rate.toFixed(0) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2);
}

/** A duration as "m:ss" or "h:mm:ss". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Thousands separators, locale-independent so tests and screenshots are stable. */
export function formatInt(n: number): string {
  if (!Number.isFinite(n)) return '–';
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * A moment as the user's locale writes it (as toLocaleString() does): one shared formatter, made on first use. The
 * first date formatting in a page loads the locale's data (about 25 ms here, several times that on a loaded
 * machine), so the page makes it while idle after loading (main.tsx), not inside the click that starts the first
 * run, when the saved-runs list shows its first entry.
 */
let dateTimeFormat: Intl.DateTimeFormat | null = null;
export function formatDateTime(ms: number): string {
  // The fields Date.prototype.toLocaleString() shows.
  dateTimeFormat ??= new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  return dateTimeFormat.format(ms);
}

/** Loss values: 3 significant digits, exponent form for very small or large values. */
export function formatLoss(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return Number(v.toPrecision(3)).toString();
}

/** The message of anything thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
