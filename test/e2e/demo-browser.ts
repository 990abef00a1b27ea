/**
 * The shopper's browser for the demo store's end-to-end tests: Debian's Chromium driven by
 * playwright-core with the flags of test/support/chromium.ts, as a desktop (1280×800) or an
 * iPhone-sized phone (375×812, touch, iPhone user agent), in English like the demo page.
 * Requests that would leave this machine fail at once (as offline), so what the screenshots
 * show does not depend on the network. The widget's events are recorded on `window.sgEvents`.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROME_ARGS, CHROME_PATH } from '../support/chromium';
import { newContext } from './browser';

export type Device = 'desktop' | 'phone';

/** Every screenshot of a run: a test artefact (test-results/ is git-ignored). */
export const ARTEFACTS = join(process.cwd(), 'test-results', 'demo-e2e');
/** The README's screenshots. */
export const README_SHOTS = join(process.cwd(), 'demo', 'screenshots');


export function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTEFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROME_PATH, args: CHROME_ARGS });
}

/** `locale`: the browser's language (English by default, to match the demo page). */
export async function newShopperContext(browser: Browser, device: Device, locale = 'en-US'): Promise<BrowserContext> {
  // The rest as for the bare widget's tests.
  const context = await newContext(browser, device, locale);
  // Injected by the browser itself, so the page's CSP (no inline script) does not apply to it.
  await context.addInitScript(() => {
    const w = window as unknown as { sgEvents: { type: string; detail: unknown }[] };
    w.sgEvents = [];
    for (const type of ['sg-ready', 'sg-status', 'sg-success', 'sg-fail', 'sg-error']) {
      document.addEventListener(type, (e) => w.sgEvents.push({ type, detail: (e as CustomEvent).detail }));
    }
  });
  return context;
}

export type SgEvent = { type: string; detail: any };

export const sgEvents = (page: Page): Promise<SgEvent[]> => page.evaluate(() => (window as unknown as { sgEvents: SgEvent[] }).sgEvents);

/**
 * Problems a shopper would not see but a developer must: uncaught errors and CSP refusals.
 * (Resources that fail because this machine is offline are not problems.)
 */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Trusted Type|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  return problems;
}

/**
 * A viewport screenshot into the artefacts; with `readme`, also into demo/screenshots/ when that
 * file is missing or UPDATE_SCREENSHOTS=1 (so that a test run leaves the committed ones alone).
 */
export async function shoot(page: Page, name: string, readme?: string): Promise<void> {
  const file = join(ARTEFACTS, `${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  if (!readme) return;
  const target = join(README_SHOTS, readme);
  if (process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(target)) {
    mkdirSync(README_SHOTS, { recursive: true });
    copyFileSync(file, target);
  }
}
