/**
 * Issue 16: a method is one folder and one registry line. The run, the driver, the worker, the CLI and the page
 * find methods through the registries and descriptors and never name one: this test reads their sources for a
 * method id in quotes, a property named like one (`config.mtt`), a comparison of `method` with a literal, or a method's own
 * config field or constants. (Comments may name methods as examples.)
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { METHOD_IDS, methodInfo } from '../../shared/methods';

const root = path.resolve(import.meta.dirname, '../../..');

/** The sources that must not name a method. */
function sources(): string[] {
  const walk = (dir: string): string[] =>
    fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) return walk(rel);
      return /\.(ts|tsx)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [rel] : [];
    });
  return ['src/core/run/run.ts', 'src/core/run/driver.ts', 'src/cli/main.ts', 'src/cli/command.ts', 'src/cli/io.ts', 'src/cli/lab.ts', 'src/cli/args.ts', 'src/cli/method-flags.ts', ...walk('src/shared/settings'), ...walk('src/worker'), ...walk('src/app')];
}

/** Code without its comments (line and block), so comments may name methods as examples. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Every method's own config fields (its settings group and toggles): naming one is naming the method. */
const ownFields = METHOD_IDS.flatMap((id) => {
  const d = methodInfo(id);
  return [...(d.settings ? [d.settings.group] : []), ...(d.toggles ?? []).map((t) => t.key)];
}).filter((f) => !(METHOD_IDS as readonly string[]).includes(f));

const patterns: [string, RegExp][] = [
  ...METHOD_IDS.map((id): [string, RegExp] => [`'${id}'`, new RegExp(`['"\`]${id}['"\`]`)]),
  ...METHOD_IDS.map((id): [string, RegExp] => [`.${id}`, new RegExp(`\\.${id}\\b`)]),
  ...METHOD_IDS.map((id): [string, RegExp] => [`${id.toUpperCase()}_ constant`, new RegExp(`\\b${id.toUpperCase()}_[A-Z]`)]),
  ...ownFields.map((f): [string, RegExp] => [f, new RegExp(`\\b${f}\\b`)]),
  // A comparison of a method with a literal (comparisons between two methods are fine).
  ['method === literal', /method\s*[!=]==\s*['"`]|['"`]\s*[!=]==\s*[\w.]*method\b/],
];

describe('no method ids outside src/core/methods/<id>, src/shared/method-info and the registries', () => {
  it('finds its sources', () => {
    const files = sources();
    expect(files).toContain('src/core/run/run.ts');
    expect(files).toContain('src/worker/engine.worker.ts');
    expect(files).toContain('src/app/components/Controls.tsx');
    expect(files).toContain('src/shared/settings/general.ts');
  });

  it('none of them names a method', () => {
    const found: string[] = [];
    for (const file of sources()) {
      const lines = code(fs.readFileSync(path.join(root, file), 'utf8')).split('\n');
      lines.forEach((line, i) => {
        for (const [what, re] of patterns) if (re.test(line)) found.push(`${file}:${i + 1}: ${what}: ${line.trim().slice(0, 120)}`);
      });
    }
    expect(found).toEqual([]);
  });

  it('would catch a method named in code (the test can fail)', () => {
    const sample = code(`const x = 1; // 'mtt' in a comment is fine\nif (config.method === 'krr') go();\nconst y = config.mtt;\nconst z = cfg.learnLabels;`).split('\n');
    const hits = sample.filter((line) => patterns.some(([, re]) => re.test(line)));
    expect(hits).toHaveLength(3);
  });
});
