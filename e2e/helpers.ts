/** Small steps the e2e tests share. */
import type { Page } from '@playwright/test';
import fs from 'node:fs';
import { decodeNpz, forEvaluation } from '../src/core/data/npz';

/** Types a value into a number field and commits it (Tab), as a person would. */
export async function setNumber(page: Page, testId: string, value: number): Promise<void> {
  const input = page.getByTestId(testId);
  await input.fill(String(value));
  await input.press('Tab');
}

/** Clicks an export button and returns the downloaded file's name, bytes and path. */
export async function download(page: Page, kind: 'npz' | 'png' | 'record'): Promise<{ name: string; bytes: Buffer; path: string }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`export-${kind}`).click()]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), bytes: fs.readFileSync(path), path };
}

/** The current synthetic set through the page's .npz export, in the dataset's normalised space. */
export async function exportedPixels(page: Page): Promise<Float32Array> {
  const { bytes } = await download(page, 'npz');
  return forEvaluation(decodeNpz(new Uint8Array(bytes))).pixels;
}

export const maxAbsDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
