import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import fs from 'node:fs';
import { setNumber, transitionsDone } from './helpers';

/**
 * Accessible to a class (issue 14). axe-core on the page at rest, with a run paused part-way, and with a finished
 * run, its evaluation and a comparison of two runs on screen, each at 1280 and 390 CSS pixels wide: no serious or
 * critical violation. Besides axe: every control has a name the browser computes, the synthetic grids and the charts
 * say in text what they show with the iteration and the loss (or accuracy), and every tab stop shows its focus.
 * A tiny configuration: wasm, width 4, 1 image per class, 4 iterations, evaluations of 1 network x 2 epochs.
 */
const LINK = '/?backend=wasm&dataset=mnist&method=dm&ipc=1&iterations=4&width=4&realPerClass=8&seed=5&init=real';
const WIDTHS = [1280, 390] as const;
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

interface Found {
  id: string;
  impact: string | null | undefined;
  help: string;
  nodes: string[];
}

async function ready(page: Page): Promise<void> {
  await page.goto(LINK);
  await expect(page.getByTestId('dataset-status')).toHaveText('ready', { timeout: 120_000 });
  await expect(page.getByTestId('run-button')).toBeEnabled();
}

/**
 * axe (WCAG 2.2 A/AA and best practices) on the whole page at `width`. Every violation is written to
 * e2e-artifacts/a11y-<state>-<width>.json; the serious and critical ones fail the test (softly, so one run shows all).
 * The naming rules must have checked every control: a rule with nothing to check would pass vacuously.
 */
async function audit(page: Page, width: number, state: string): Promise<void> {
  await page.setViewportSize({ width, height: 900 });
  await page.mouse.move(1, 1);
  await transitionsDone(page);
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const found: Found[] = results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
  }));
  fs.mkdirSync('e2e-artifacts', { recursive: true });
  fs.writeFileSync(`e2e-artifacts/a11y-${state}-${width}.json`, JSON.stringify(found, null, 2));
  await page.screenshot({ path: `e2e-artifacts/a11y-${state}-${width}.png` });
  const bad = found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect.soft(bad, `${state} at ${width} px: serious or critical axe violations`).toEqual([]);

  const checked = (rule: string) =>
    [...results.passes, ...results.violations, ...results.incomplete].filter((r) => r.id === rule).reduce((n, r) => n + r.nodes.length, 0);
  const counts = await page.evaluate(() => {
    // Rendered (a visually hidden file input counts; one inside a closed <details> does not, for axe neither).
    const shown = (el: Element) => el.checkVisibility();
    return {
      buttons: Array.from(document.querySelectorAll('button')).filter(shown).length,
      inputs: Array.from(document.querySelectorAll('input:not([type=hidden])')).filter(shown).length,
      selects: Array.from(document.querySelectorAll('select')).filter(shown).length,
    };
  });
  expect(counts.buttons, `${state}: buttons on the page`).toBeGreaterThan(5);
  expect(checked('button-name'), `${state} ${width}: axe's button-name checked every button`).toBe(counts.buttons);
  expect(checked('label'), `${state} ${width}: axe's label checked every input`).toBe(counts.inputs);
  expect(checked('select-name'), `${state} ${width}: axe's select-name checked every select`).toBe(counts.selects);
}

async function auditBothWidths(page: Page, state: string): Promise<void> {
  for (const width of WIDTHS) await audit(page, width, state);
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** The browser's own accessibility tree: every control (button, field, select, checkbox…) has a non-empty name. */
async function unnamedControls(page: Page): Promise<{ controls: number; unnamed: string[] }> {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
    nodes: { ignored: boolean; role?: { value?: string }; name?: { value?: string }; properties?: { name: string; value: { value?: unknown } }[] }[];
  };
  await cdp.detach();
  const roles = new Set(['button', 'textbox', 'spinbutton', 'combobox', 'listbox', 'checkbox', 'radio', 'switch', 'slider', 'searchbox', 'link', 'tab', 'menuitem']);
  const controls = nodes.filter((n) => !n.ignored && roles.has(String(n.role?.value)));
  return {
    controls: controls.length,
    unnamed: controls.filter((n) => !String(n.name?.value ?? '').trim()).map((n) => `${n.role?.value}`),
  };
}

test('axe: no serious or critical violation at rest, in a paused run, and with Evaluate and Compare filled, at 1280 and 390 wide; grids and charts described', async ({ page }) => {
  test.setTimeout(360_000);
  await ready(page);
  // Every disclosure open (more settings, the other methods, which files…), so that the controls inside are checked.
  const closed = page.locator('details:not([open]) > summary');
  for (let n = 0; n < 20 && (await closed.count()) > 0; n++) await closed.first().click();
  await expect(page.locator('details:not([open])')).toHaveCount(0);
  await auditBothWidths(page, 'rest');
  const atRest = await unnamedControls(page);
  expect(atRest.controls).toBeGreaterThan(20);
  expect(atRest.unnamed, 'controls without an accessible name at rest').toEqual([]);

  // During a run: Step runs one iteration and the run stays paused there.
  await page.getByTestId('step-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('paused', { timeout: 60_000 });
  await expect(page.getByTestId('status-iteration')).toHaveText('1');
  await auditBothWidths(page, 'paused');
  // The grid and the loss chart say what they show, the iteration and the loss (as the page prints it).
  const loss = ((await page.getByTestId('loss-last').textContent()) ?? '').trim();
  expect(loss).toMatch(/^\d/);
  await expect(page.getByTestId('synthetic-canvas')).toHaveAttribute('aria-label', new RegExp(`^Synthetic images at iteration 1, loss ${loss}: 10 rows, one per class \\(0, 1, 2`));
  await expect(page.getByTestId('initial-canvas')).toHaveAttribute('aria-label', /^Initial images .* at iteration 0, before the first iteration: 10 rows/);
  await expect(page.getByTestId('loss-chart').locator('svg[role=img]')).toHaveAttribute('aria-label', new RegExp(`${loss} at iteration 1$`));

  // The end of the run, a tiny evaluation, then a comparison of two seeds evaluated at iterations 0 and 4.
  await page.getByTestId('pause-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 60_000 });
  await setNumber(page, 'eval-epochs-input', 2);
  await setNumber(page, 'eval-models-input', 1);
  await setNumber(page, 'eval-test-input', 100);
  await page.getByTestId('eval-button').click();
  await expect(page.getByTestId('eval-results')).toBeVisible({ timeout: 60_000 });
  // The live note says the result in words (what a screen reader announces when the evaluation ends).
  const distilled = ((await page.getByTestId('eval-distilled').textContent()) ?? '').trim();
  await expect(page.getByTestId('eval-note')).toContainText(`Evaluated after iteration 4: the synthetic set ${distilled}, random real images`);
  await setNumber(page, 'eval-every-input', 4);
  await page.getByTestId('compare-add').click();
  await setNumber(page, 'seed-input', 6);
  await page.getByTestId('compare-add').click();
  await page.getByTestId('compare-run').click();
  await expect(page.getByTestId('compare-status-1')).toHaveText('done', { timeout: 120_000 });
  await expect(page.getByTestId('compare-status-0')).toHaveText('done');
  await auditBothWidths(page, 'filled');
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.locator('section[aria-labelledby="eval-title"]').screenshot({ path: `e2e-artifacts/a11y-evaluate-${width}.png` });
    await page.getByTestId('compare-panel').screenshot({ path: `e2e-artifacts/a11y-compare-${width}.png` });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  const filled = await unnamedControls(page);
  expect(filled.unnamed, 'controls without an accessible name with Evaluate and Compare filled').toEqual([]);

  // Each compared run's images and both comparison charts in text: the run, the iteration, the loss or accuracy.
  for (const i of [0, 1]) {
    await expect(page.getByTestId(`compare-grid-${i}`)).toHaveAttribute('aria-label', new RegExp(`^Synthetic images of seed ${5 + i} at iteration 4, loss \\d`), { timeout: 10_000 });
  }
  const lossChart = page.getByTestId('compare-loss-chart').locator('svg[role=img]');
  await expect(lossChart).toHaveAttribute('aria-label', /^Loss against iteration.*, 2 runs\. seed 5: .* at iteration 4 \(4 points\)\. seed 6: .* at iteration 4 \(4 points\)\.$/, { timeout: 10_000 });
  const accuracyChart = page.getByTestId('compare-accuracy-chart').locator('svg[role=img]');
  await expect(accuracyChart).toHaveAttribute('aria-label', /seed 5: [\d.]+% ± [\d.]+% at iteration 0, [\d.]+% ± [\d.]+% at iteration 4\. seed 6: .*Baselines \(real images\): Random real (\(.+?\) )?[\d.]+%/, { timeout: 10_000 });
  // The run's own accuracy chart in Evaluate (the last compared run's evaluations) is described too.
  await expect(page.getByTestId('run-accuracy-chart').locator('svg[role=img]')).toHaveAttribute('aria-label', /This run \(synthetic set\): [\d.]+% ± [\d.]+% at iteration 0, [\d.]+% ± [\d.]+% at iteration 4\./, { timeout: 10_000 });
  // Colour is not the only cue: the best run at an iteration is marked ▲ in the table, the runs' curves differ in dash and marker.
  await expect(page.getByTestId('compare-table')).toContainText('▲');
  const dashes = await page.getByTestId('compare-loss-chart').locator('path.recharts-line-curve').evaluateAll((ps) => ps.map((p) => p.getAttribute('stroke-dasharray') ?? ''));
  expect(new Set(dashes).size).toBe(2);
});

test('every tab stop shows its focus, clear of the status bar; screenshots of focus at 1280 and 390; contrast in the dark palette', async ({ page }) => {
  await ready(page);
  fs.mkdirSync('e2e-artifacts', { recursive: true });
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.evaluate(() => window.scrollTo(0, 0));
    const seen: string[] = [];
    const invisible: string[] = [];
    // Tab through the page from the top until focus comes back to an element already seen (or 150 stops).
    for (let n = 0; n < 150; n++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        const s = getComputedStyle(el);
        const box = el.getBoundingClientRect();
        const id = `${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : ''}:${el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? ''}`;
        return {
          id,
          key: el.dataset.a11yStop ?? (el.dataset.a11yStop = String(Math.random())),
          focusVisible: el.matches(':focus-visible'),
          outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
          size: box.width >= 8 && box.height >= 8,
          // Not hidden under the fixed status bar (unless it is in it).
          clear: (() => {
            const bar = document.querySelector('footer.status');
            if (!bar || bar.contains(el)) return true;
            const b = bar.getBoundingClientRect();
            return box.bottom <= b.top + 1 || box.top >= b.bottom - 1;
          })(),
        };
      });
      if (!f) continue;
      if (seen.includes(f.key)) break;
      seen.push(f.key);
      if (!(f.focusVisible && f.outline && f.size && f.clear)) invisible.push(`${f.id} (focus-visible ${f.focusVisible}, outline ${f.outline}, size ${f.size}, not under the status bar ${f.clear})`);
    }
    expect(seen.length, `${width}: tab stops`).toBeGreaterThan(20);
    expect(invisible, `${width}: tab stops whose focus is not visible`).toEqual([]);

    // Screenshots: focus on the Run button, then on a select.
    await page.getByTestId('run-button').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Shift+Tab');
    await expect(page.getByTestId('run-button')).toBeFocused();
    await page.screenshot({ path: `e2e-artifacts/a11y-focus-run-${width}.png` });
    await page.getByTestId('method-select').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Shift+Tab');
    await expect(page.getByTestId('method-select')).toBeFocused();
    await page.screenshot({ path: `e2e-artifacts/a11y-focus-select-${width}.png` });
  }

  // The dark palette (prefers-color-scheme: dark) keeps its contrast too.
  await page.emulateMedia({ colorScheme: 'dark' });
  await transitionsDone(page);
  const dark = await new AxeBuilder({ page }).withRules(['color-contrast']).analyze();
  expect(dark.passes.find((r) => r.id === 'color-contrast')?.nodes.length ?? 0, 'contrast checked in the dark palette').toBeGreaterThan(20);
  expect(dark.violations.flatMap((v) => v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`)), 'contrast in the dark palette').toEqual([]);
});
