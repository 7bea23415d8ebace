import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOCS_END, DOCS_START, settingsMarkdown, withSettingsTable } from '../src/shared/settings/docs';
import { SETTINGS } from '../src/shared/settings';

describe("README's settings table", () => {
  const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');

  it('is the one the settings table generates (run npm run docs:settings when this fails)', () => {
    expect(withSettingsTable(readme, settingsMarkdown())).toBe(readme);
  });

  it('has a row for every setting, with its link parameter and CLI flag', () => {
    const table = readme.slice(readme.indexOf(DOCS_START), readme.indexOf(DOCS_END));
    for (const s of SETTINGS) {
      const row = table.split('\n').find((l) => l.startsWith(`| ${s.label} |`));
      expect(row, s.param).toBeDefined();
      if (s.cli) expect(row).toContain(`\`--${s.cli.flag}\``);
      if (s.path) expect(row).toContain(`\`${s.param}\``);
    }
  });

  it('replacing the table keeps the rest of README and notices a stale one', () => {
    const stale = withSettingsTable(readme, `${DOCS_START}\nold\n${DOCS_END}`);
    expect(stale).not.toBe(readme);
    expect(withSettingsTable(stale, settingsMarkdown())).toBe(readme);
  });
});
