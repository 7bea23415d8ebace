/**
 * `npm run audit:prod` (run by .ci/run): `npm audit --omit=dev` must find no high or critical advisory in the
 * production dependencies, and must have been able to look (see audit-lib.ts). Exits 1 otherwise.
 */
import { spawnSync } from 'node:child_process';
import { auditVerdict } from './audit-lib';

const r = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
if (r.error) {
  process.stderr.write(`npm audit could not be started: ${r.error.message}\n`);
  process.exit(1);
}
const verdict = auditVerdict(r.stdout, r.status);
(verdict.ok ? process.stdout : process.stderr).write(`${verdict.message}\n`);
process.exitCode = verdict.ok ? 0 : 1;
