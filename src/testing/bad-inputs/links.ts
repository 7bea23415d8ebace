/** The bad-input corpus (src/testing/bad-inputs.ts): query strings the page opens with → `configFromSearch`. */
import { LIMITS, MAX_LINK_CHARS } from '../../shared/config';
import { type RunConfig } from '../../shared/protocol';

export interface BadLink {
  name: string;
  search: string;
  /** Every message the page lists, in order. */
  errors: string[];
  /** Settings of the link that are fine and must be kept. */
  kept?: Partial<RunConfig>;
}

const range = (field: keyof typeof LIMITS & string) => {
  const l = LIMITS[field] as { min: number; max: number; int: boolean };
  return `${field} must be ${l.int ? 'a whole number' : 'a number'} from ${l.min} to ${l.max}`;
};

export const LINKS: BadLink[] = [
  { name: 'an unknown field', search: '?ipc=3&turbo=1', errors: ["unknown field 'turbo'"], kept: { ipc: 3 } },
  { name: 'a number field given text', search: '?ipc=ten&width=16', errors: [`${range('ipc')} (got 'ten')`], kept: { width: 16 } },
  { name: 'a NaN hyper-parameter', search: '?lrImages=NaN&ipc=2', errors: [`${range('lrImages')} (got 'NaN')`], kept: { ipc: 2 } },
  { name: 'an infinite hyper-parameter', search: '?momentum=Infinity', errors: [`${range('momentum')} (got 'Infinity')`] },
  { name: 'a negative hyper-parameter', search: '?momentum=-0.5&seed=9', errors: [`${range('momentum')} (got '-0.5')`], kept: { seed: 9 } },
  { name: 'a huge value', search: '?iterations=99999999999999999999', errors: [`${range('iterations')} (got '99999999999999999999')`] },
  { name: 'a fractional count', search: '?width=8.5', errors: [`${range('width')} (got '8.5')`] },
  { name: 'a hex number', search: '?width=0x10', errors: [`${range('width')} (got '0x10')`] },
  { name: 'a boolean that is not one', search: '?dsa=maybe', errors: ["dsa must be true or false (got 'maybe')"] },
  {
    name: 'a script in a string (echoed as text, cut to 40 characters)',
    search: `?dataset=${encodeURIComponent('<script>alert(document.cookie)</script>')}`,
    errors: ["dataset must be one of mnist, fashion-mnist, cifar-10, custom (got '<script>alert(document.cookie)</script>')"],
  },
  {
    name: 'an image tag in a field name',
    search: `?${encodeURIComponent('<img src=x onerror=alert(1)>')}=1`,
    errors: ["unknown field '<img src=x onerror=alert(1)>'"],
  },
  {
    name: 'control characters in a value',
    search: `?method=${encodeURIComponent('dm\n\u0007evil')}`,
    errors: ["method must be one of dm, dc, krr, mtt, sre2l, mgdd (got 'dm??evil')"],
  },
  { name: 'an unknown backend', search: '?backend=quantum&ipc=4', errors: ["backend must be one of auto, webgpu, webgl, wasm, cpu (got 'quantum')"], kept: { ipc: 4 } },
  { name: 'a field given twice', search: '?ipc=2&ipc=40', errors: ["'ipc' appears more than once; the first value is used"], kept: { ipc: 2 } },
  {
    name: 'a huge link',
    search: `?ipc=2&x=${'a'.repeat(MAX_LINK_CHARS)}`,
    // The tests open it with `&run=1` appended (6 characters more).
    errors: [`the link's settings are ${MAX_LINK_CHARS + 15} characters long; at most ${MAX_LINK_CHARS} are read, so all were ignored`],
  },
  {
    name: 'a long value (echoed cut to 40 characters)',
    search: `?init=${'x'.repeat(100)}`,
    errors: [`init must be one of real, noise, kmeans, importance (got '${'x'.repeat(40)}…')`],
  },
];

