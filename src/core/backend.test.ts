import { describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import { checkAgainstReference, selectBackend, smokeValues } from './backend';
import type { BackendName } from '../shared/protocol';

/** Node has no WebGPU or WebGL: say so, as the browser's preparation would. */
const prepareNode = async (name: BackendName) => {
  if (name === 'webgpu' || name === 'webgl') throw new Error(`${name} is not available in Node`);
};

describe('backend choice', () => {
  it('falls back in order, reports why better backends were skipped, and agrees with cpu', async () => {
    const report = await selectBackend('auto', prepareNode);
    expect(report.backend).toBe('wasm');
    expect(report.skipped.map((s) => s.backend)).toEqual(['webgpu', 'webgl']);
    expect(report.skipped[0]!.reason).toMatch(/not available/);
  });

  it('never tries a backend it is told to avoid (webgpu after its device was lost)', async () => {
    const tried: BackendName[] = [];
    const report = await selectBackend('webgl', async (name) => {
      tried.push(name);
      return prepareNode(name);
    }, undefined, ['webgpu', 'webgl']);
    expect(report.backend).toBe('wasm');
    expect(tried).toEqual(['wasm']);
  });

  it('honours a forced backend', async () => {
    expect((await selectBackend('cpu', prepareNode)).backend).toBe('cpu');
  });

  it('the smoke test rejects a backend whose numbers differ from cpu (e.g. a kernel that silently returns 0)', async () => {
    const reference = await smokeValues();
    expect(reference[0]).toBeGreaterThan(0);
    const broken = [0, ...reference.slice(1)];
    expect(() => checkAgainstReference(broken, reference)).toThrow(/cpu backend gives/);
    expect(() => checkAgainstReference(reference, reference)).not.toThrow();
  });
});
