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

/**
 * Waits until every CSS transition on the page has finished (buttons fade their background over 0.12 s while their
 * text colour switches at once: a contrast check in between reads a mix). getAnimations() flushes pending style
 * changes first, so a transition just triggered is included; animations (the pulsing and indeterminate ones loop
 * forever) are not waited for.
 */
export async function transitionsDone(page: Page): Promise<void> {
  await page.evaluate(() => Promise.all(document.getAnimations().filter((a) => a instanceof CSSTransition).map((a) => a.finished)));
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

/** One entry of the page's run event log (src/app/lib/event-log.ts). */
export interface LoggedEvent {
  type: string;
  iteration?: number;
  message?: string;
  fraction?: number;
  at: number;
}

/** Every run event the page has recorded so far: what lasts, unlike a message on screen. */
export async function runEvents(page: Page): Promise<LoggedEvent[]> {
  return page.evaluate(() => (window as unknown as { __distillEvents?: () => LoggedEvent[] }).__distillEvents?.() ?? []);
}

/**
 * The preparing messages the page has recorded, in order. The worker sends at most one per 200 ms and always the
 * last (fraction 1), so a test can count on the last one, not on each step's.
 */
export async function preparingMessages(page: Page): Promise<string[]> {
  return (await runEvents(page)).filter((e) => e.type === 'preparing').map((e) => e.message ?? '');
}

/** How many runs have ended (done or error) according to the page's event log. */
export async function runsEnded(page: Page): Promise<number> {
  return (await runEvents(page)).filter((e) => e.type === 'done' || e.type === 'error').length;
}
