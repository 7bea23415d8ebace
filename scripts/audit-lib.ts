/**
 * The production-dependency audit: reads `npm audit --omit=dev --json` and says whether any installed package has a
 * high or critical advisory. An answer that is not a report (the endpoint unreachable, an error, no JSON) is not
 * ok either, and is marked `checked: false`, saying that nothing was checked: a check that cannot run never says
 * the dependencies are clean.
 */

/** The severities that fail the check (npm's --audit-level=high). */
export const FAILING = ['high', 'critical'] as const;

export interface AuditVerdict {
  ok: boolean;
  /** False when npm audit gave no report (nothing was checked). */
  checked: boolean;
  /** One or more lines for the CI log. */
  message: string;
}

interface Report {
  vulnerabilities?: Record<string, { name?: string; severity?: string; range?: string; via?: unknown[]; fixAvailable?: unknown }>;
  metadata?: { vulnerabilities?: Record<string, number>; dependencies?: { prod?: number; total?: number } };
  error?: { code?: string; summary?: string; detail?: string };
  message?: string;
  statusCode?: number;
}

/** The verdict on npm audit's JSON output (`stdout`) and exit status. */
export function auditVerdict(stdout: string, status: number | null): AuditVerdict {
  const unchecked = (why: string): AuditVerdict => ({
    ok: false,
    checked: false,
    message:
      `npm audit could not check the production dependencies: ${why}. The check needs the npm registry's audit ` +
      'endpoint (https://registry.npmjs.org/-/npm/v1/security/advisories/bulk); run it where that endpoint can be reached.',
  });
  let report: Report;
  try {
    report = JSON.parse(stdout) as Report;
  } catch {
    const first = stdout.trim().split('\n')[0] ?? '';
    return unchecked(`it printed no JSON report (exit status ${status}${first ? `, output: ${first.slice(0, 200)}` : ', no output'})`);
  }
  if (report === null || typeof report !== 'object') return unchecked('its output is not a report');
  if (report.error || !report.metadata?.vulnerabilities) {
    const e = report.error ?? {};
    const why = [report.message, e.code, e.summary, e.detail].filter((s) => typeof s === 'string' && s !== '').join('; ');
    return unchecked(`the audit endpoint answered with an error (${why || `exit status ${status}`})`);
  }
  const counts = report.metadata.vulnerabilities;
  const failing = Object.values(report.vulnerabilities ?? {}).filter((v) => (FAILING as readonly string[]).includes(v.severity ?? ''));
  const deps = report.metadata.dependencies?.prod ?? report.metadata.dependencies?.total;
  const lower = ['info', 'low', 'moderate'].filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${s}`);
  const high = FAILING.reduce((n, s) => n + (counts[s] ?? 0), 0);
  if (high > 0 || failing.length > 0) {
    const lines = failing.map((v) => {
      const fix = v.fixAvailable === false ? 'no fix available' : v.fixAvailable ? 'a fix is available (npm audit fix --omit=dev)' : '';
      return `  ${v.name} ${v.range ?? ''}: ${v.severity}${fix ? `, ${fix}` : ''}`;
    });
    return {
      ok: false,
      checked: true,
      message: [`npm audit: ${high} high or critical advisor${high === 1 ? 'y' : 'ies'} in the production dependencies:`, ...lines].join('\n'),
    };
  }
  return {
    ok: true,
    checked: true,
    message: `npm audit: no high or critical advisories in the production dependencies${deps !== undefined ? ` (${deps} packages)` : ''}${
      lower.length ? `; lower: ${lower.join(', ')}` : ''
    }`,
  };
}
