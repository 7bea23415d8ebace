import { describe, expect, it } from 'vitest';
import { auditVerdict } from './audit-lib';

/** npm 11's `npm audit --json` report (auditReportVersion 2) with the given advisories. */
function report(vulnerabilities: Record<string, { severity: string; range: string; fixAvailable: unknown }>): string {
  const counts: Record<string, number> = { info: 0, low: 0, moderate: 0, high: 0, critical: 0 };
  for (const v of Object.values(vulnerabilities)) counts[v.severity]!++;
  return JSON.stringify({
    auditReportVersion: 2,
    vulnerabilities: Object.fromEntries(
      Object.entries(vulnerabilities).map(([name, v]) => [name, { name, isDirect: true, via: [], effects: [], nodes: [`node_modules/${name}`], ...v }]),
    ),
    metadata: {
      vulnerabilities: { ...counts, total: Object.keys(vulnerabilities).length },
      dependencies: { prod: 42, dev: 300, optional: 3, peer: 0, peerOptional: 0, total: 345 },
    },
  });
}

describe('the production-dependency audit', () => {
  it('passes a report without high or critical advisories, saying what it saw', () => {
    expect(auditVerdict(report({}), 0)).toEqual({ ok: true, checked: true, message: 'npm audit: no high or critical advisories in the production dependencies (42 packages)' });
    const lower = auditVerdict(report({ a: { severity: 'moderate', range: '<1.2.3', fixAvailable: true } }), 0);
    expect(lower).toEqual({ ok: true, checked: true, message: 'npm audit: no high or critical advisories in the production dependencies (42 packages); lower: 1 moderate' });
  });

  it('fails on a high or critical advisory, naming the package', () => {
    const v = auditVerdict(
      report({
        fflate: { severity: 'high', range: '<0.8.4', fixAvailable: true },
        idb: { severity: 'critical', range: '*', fixAvailable: false },
        zod: { severity: 'low', range: '<4', fixAvailable: true },
      }),
      1,
    );
    expect(v.ok).toBe(false);
    expect(v.checked).toBe(true);
    expect(v.message.split('\n')).toEqual([
      'npm audit: 2 high or critical advisories in the production dependencies:',
      '  fflate <0.8.4: high, a fix is available (npm audit fix --omit=dev)',
      '  idb *: critical, no fix available',
    ]);
  });

  it('fails, saying nothing was checked, when the endpoint answers an error (as this machine’s registry proxy does)', () => {
    // What npm 11 printed here: the proxy allows only GET and HEAD.
    const proxy = JSON.stringify({
      message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
      method: 'POST',
      statusCode: 405,
      body: '',
      error: { summary: '', detail: '' },
    });
    expect(auditVerdict(proxy, 1)).toEqual({
      ok: false,
      checked: false,
      message:
        'npm audit could not check the production dependencies: the audit endpoint answered with an error (405 Method Not Allowed - POST ' +
        'https://registry.npmjs.org/-/npm/v1/security/advisories/bulk). The check needs the npm registry\'s audit endpoint ' +
        '(https://registry.npmjs.org/-/npm/v1/security/advisories/bulk); run it where that endpoint can be reached.',
    });
    const offline = JSON.stringify({ error: { code: 'ENOTFOUND', summary: 'getaddrinfo ENOTFOUND registry.npmjs.org', detail: '' } });
    expect(auditVerdict(offline, 1).message).toMatch(/^npm audit could not check the production dependencies: the audit endpoint answered with an error \(ENOTFOUND; getaddrinfo ENOTFOUND registry\.npmjs\.org\)/);
  });

  it('fails when npm printed no report at all', () => {
    expect(auditVerdict('', 1)).toMatchObject({ ok: false, message: expect.stringMatching(/printed no JSON report \(exit status 1, no output\)/) });
    expect(auditVerdict('npm error code EAI_AGAIN', 1).message).toMatch(/output: npm error code EAI_AGAIN/);
    expect(auditVerdict('{"auditReportVersion": 2}', 0).ok).toBe(false);
  });
});
