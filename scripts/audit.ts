/**
 * `npm run audit:prod` (run by .ci/run): `npm audit --omit=dev` must find no high or critical advisory in the
 * production dependencies (exit 1 otherwise). When npm cannot reach the audit endpoint (this workplace's registry
 * proxy answers its POST with 405) it prints NOT CHECKED and why, and exits 0, or 1 with AUDIT_REQUIRED=1: CI here
 * cannot reach the endpoint, and a run that cannot check must not block every submission, nor claim a pass.
 */
import { spawnSync } from 'node:child_process';
import { auditVerdict } from './audit-lib';

const r = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
if (r.error) {
  process.stderr.write(`npm audit could not be started: ${r.error.message}\n`);
  process.exit(1);
}
const verdict = auditVerdict(r.stdout, r.status);
if (!verdict.checked) {
  process.stderr.write(`NOT CHECKED: ${verdict.message}\n`);
  process.exitCode = process.env.AUDIT_REQUIRED === '1' ? 1 : 0;
} else {
  (verdict.ok ? process.stdout : process.stderr).write(`${verdict.message}\n`);
  process.exitCode = verdict.ok ? 0 : 1;
}
