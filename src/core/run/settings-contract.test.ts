/**
 * The link and run-record formats are contracts (issue 14): the fixtures were written by main's code before the
 * settings table existed (src/shared/settings/fixtures/*.json, made at e5356fa). Every link must still be written
 * byte for byte the same, read to the same state (errors included), and every record must load to the same config.
 */
import { describe, expect, it } from 'vitest';
import { configFromSearch, configToSearch, type LinkState } from '../../shared/config';
import type { RunConfig } from '../../shared/protocol';
import { readImport } from './imports';
import fs from 'node:fs';

const fixture = (name: string) => JSON.parse(fs.readFileSync(new URL(`../../shared/settings/fixtures/${name}`, import.meta.url), 'utf8'));
const links = fixture('links.json') as {
  links: { name: string; input: unknown; search: string; parsed: LinkState }[];
  handLinks: { search: string; parsed: LinkState }[];
};
const records = fixture('records.json') as { records: { name: string; json: string; config: RunConfig }[] };

/** The same value, with the same key order at every level (JSON.stringify compares both). */
function same(a: unknown, b: unknown) {
  expect(a).toEqual(b);
  expect(JSON.stringify(a)).toBe(JSON.stringify(b));
}

describe('links saved before the settings table', () => {
  it.each(links.links.map((l) => [l.name, l] as const))('%s: is written the same and reads back the same', (_, l) => {
    const params = new URLSearchParams(l.search);
    const backend = (params.get('backend') ?? undefined) as LinkState['backend'] | undefined;
    expect(configToSearch(l.input as RunConfig, { version: '0.1.0', ...(backend ? { backend } : {}), ...(params.get('run') === '1' ? { run: true } : {}) })).toBe(l.search);
    same(configFromSearch(l.search), l.parsed);
  });

  it.each(links.handLinks.map((l) => [l.search, l] as const))('%s: reads to the same state and errors', (_, l) => {
    same(configFromSearch(l.search), l.parsed);
  });
});

describe('run records saved before the settings table', () => {
  it.each(records.records.map((r) => [r.name, r] as const))('%s: loads to the same config', async (_, r) => {
    const imported = await readImport(new TextEncoder().encode(r.json), `${r.name}.json`);
    expect(imported.kind).toBe('record');
    same(imported.kind === 'record' ? imported.config : null, r.config);
  });
});
