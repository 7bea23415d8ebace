/**
 * Imported first by the page and the worker: zod validates without generating code (`new Function`), so the
 * Content-Security-Policy can forbid eval and a strict CSP reports no violation for zod's probe.
 */
import { z } from 'zod';

z.config({ jitless: true });
