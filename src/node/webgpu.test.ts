import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { WEBGPU_TOLERANCE } from '../shared/config';
import { datasetsDir } from '../testing/tf';

const root = path.resolve(import.meta.dirname, '../..');
/** SwiftShader's Vulkan driver and loader as Debian's chromium package ships them (CI installs it). */
const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const LOADER_DIR = '/usr/lib/chromium';

const hasPackage = (() => {
  try {
    createRequire(import.meta.url).resolve('webgpu');
    return true;
  } catch {
    return false;
  }
})();
const skip = !hasPackage ? "the optional 'webgpu' package is not installed" : !fs.existsSync(ICD) ? `no Vulkan ICD at ${ICD} (apt-get install chromium)` : '';

function check(): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/testing/webgpu-node-check.ts')], {
      cwd: root,
      env: {
        ...process.env,
        DATASETS_DIR: datasetsDir(),
        VK_ICD_FILENAMES: ICD,
        // Dawn opens libvulkan.so.1; Chromium's copy serves where the system has none (libvulkan1).
        LD_LIBRARY_PATH: [LOADER_DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('WebGPU in Node (the optional webgpu package, as distill --backend webgpu uses it)', () => {
  it.skipIf(skip !== '')(`a small DM distillation on SwiftShader's Vulkan driver agrees with cpu within WEBGPU_TOLERANCE${skip ? ` (skipped: ${skip})` : ''}`, async () => {
    const r = await check();
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { adapter: string; software: boolean; maxAbsDiff: number; moved: number; webgpuMs: number; values: number };
    console.log(`webgpu in Node: ${got.adapter}; max |webgpu - cpu| ${got.maxAbsDiff} over ${got.values} values; the run moved pixels by up to ${got.moved}; webgpu ${got.webgpuMs} ms`);
    expect(got.adapter).toMatch(/swiftshader/i);
    expect(got.software).toBe(true);
    // The run did change the images (by far more than the tolerance), and webgpu agrees with cpu.
    expect(got.moved).toBeGreaterThan(100 * WEBGPU_TOLERANCE);
    expect(got.maxAbsDiff).toBeLessThanOrEqual(WEBGPU_TOLERANCE);
  }, 90_000);
});
