/**
 * Components read the store through narrow selectors: no `useApp()` without one, and no selector that returns the
 * whole state (either would re-render the component on every change of any slice, e.g. each progress event).
 */
import { describe, expect, it } from 'vitest';

const sources = import.meta.glob<string>(['../*.tsx', '../components/*.tsx'], { query: '?raw', import: 'default', eager: true });

describe('store selectors in components', () => {
  it('every useApp call in a component selects a part of the state', () => {
    expect(Object.keys(sources).length).toBeGreaterThan(10);
    const whole: string[] = [];
    for (const [file, text] of Object.entries(sources)) {
      for (const m of text.matchAll(/useApp\(\s*(\)|\(?\s*(\w+)\s*\)?\s*=>\s*\2\s*\))/g)) whole.push(`${file}: ${m[0]}`);
    }
    expect(whole).toEqual([]);
  });
});
