/**
 * The customer's browser for the end-to-end tests: the system Chromium driven by playwright-core,
 * a desktop (1280×800) or an iPhone-sized phone (375×812, touch, iPhone user agent), Russian by
 * default. Requests that would leave this machine (bank logos on other hosts) fail at once, as
 * they would offline, so the widget's fallbacks are what the screenshots show.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Frame, type FrameLocator, type Page } from 'playwright-core';
import { CHROME_ARGS, CHROME_PATH } from '../support/chromium';

export type Device = 'desktop' | 'phone';

export const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

export function launch(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROME_PATH, args: CHROME_ARGS });
}

/** A desktop (1280×800) or iPhone (375×812) context whose requests beyond this machine fail at once, as offline. */
export async function newContext(browser: Browser, device: Device, locale = 'ru-RU'): Promise<BrowserContext> {
  const context = await browser.newContext(
    device === 'desktop'
      ? { viewport: { width: 1280, height: 800 }, locale }
      : { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, userAgent: IPHONE_UA, locale },
  );
  context.setDefaultTimeout(10_000);
  await context.route((url) => !/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url.href), (route) => route.abort('internetdisconnected'));
  return context;
}

export type RecordedEvent = { type: string; detail: any; at: number };

/** What the merchant page's inline script recorded. */
export const recorded = (page: Page): Promise<RecordedEvent[]> => page.evaluate(() => (window as unknown as { events: RecordedEvent[] }).events);

export const countOf = (events: RecordedEvent[], type: string) => events.filter((e) => e.type === type).length;

export async function waitForEvent(page: Page, type: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction((t) => (window as unknown as { events: RecordedEvent[] }).events.some((e) => e.type === t), type, { timeout });
}

/** The card fields' iframe (served by the API's origin). */
export const cardFrame = (page: Page): FrameLocator => page.frameLocator('sg-checkout sg-card-view iframe');

/** Types a card as a customer would: digit by digit, into the iframe's fields. */
export async function typeCard(page: Page, number: string): Promise<void> {
  const frame = cardFrame(page);
  // Typed before the frame's script ran, digits would wait unformatted: type once it is running, as a person would see it.
  await frame.locator('html[data-theme]').waitFor({ state: 'attached' });
  const yy = String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0');
  for (const [field, value] of [['#number', number], ['#expiry', `12${yy}`], ['#cvc', '123']] as const) {
    await frame.locator(field).fill(''); // a field kept from an earlier attempt (the expiry) is typed anew
    await frame.locator(field).pressSequentially(value);
  }
}

/** The frame object behind a frame locator's iframe, for reading its URL. */
export async function frameOf(page: Page, selector: string): Promise<Frame> {
  const handle = await page.locator(selector).elementHandle();
  const frame = await handle?.contentFrame();
  if (!frame) throw new Error(`no frame for ${selector}`);
  return frame;
}

export async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
