/**
 * The customer's browser on a payment link page: the contexts of browser.ts (desktop 1280×800 or
 * iPhone 375×812; requests to other hosts fail at once), plus
 * - Telegram's script (https://telegram.org/js/telegram-web-app.js) answered 404 at once, as
 *   offline, so the page never waits for it;
 * - the product picture (https://shop.example/duck.svg) served locally;
 * - a recorder of the widget's events kept in Node, so it survives the page's forward to the
 *   return URL;
 * - optionally a stub of `window.Telegram.WebApp` (the Mini App host) recording its calls.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newContext, type Device } from './browser';

export const LINK_SHOTS = join(process.cwd(), 'test-results', 'link-e2e');
export const PRODUCT_IMAGE = 'https://shop.example/duck.svg';

const DUCK_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 200">
<rect width="400" height="200" fill="#bfe3f5"/><rect y="150" width="400" height="50" fill="#7cc2e6"/>
<ellipse cx="200" cy="135" rx="85" ry="45" fill="#ffd23f"/><circle cx="250" cy="85" r="38" fill="#ffd23f"/>
<circle cx="262" cy="76" r="6" fill="#222"/><path d="M284 88 l34 6 l-34 10 z" fill="#f28c28"/>
<path d="M150 125 q30 -30 60 0" fill="none" stroke="#e6b800" stroke-width="6"/></svg>`;

export type TelegramStub = { initData: string; themeParams: Record<string, string> };

export type LinkPage = {
  page: Page;
  context: BrowserContext;
  /** The widget's events (sg-ready, sg-success, sg-fail, sg-error), in order, across navigations. */
  events: { type: string; detail: any }[];
  /** Calls the page made to Telegram.WebApp (ready, expand, close). */
  telegramCalls: string[];
  /** Uncaught errors on the page. */
  errors: string[];
};

export async function openContext(browser: Browser, device: Device, telegram?: TelegramStub): Promise<Omit<LinkPage, 'page'>> {
  const context = await newContext(browser, device);
  // Registered after browser.ts's catch-all, so these answer first.
  await context.route('https://telegram.org/**', (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'offline' }));
  await context.route(PRODUCT_IMAGE, (route) => route.fulfill({ status: 200, contentType: 'image/svg+xml', body: DUCK_SVG }));
  const events: LinkPage['events'] = [];
  const telegramCalls: string[] = [];
  await context.exposeBinding('__sgRecord', (_source, type: string, detail: unknown) => void events.push({ type, detail }));
  await context.exposeBinding('__tgRecord', (_source, name: string) => void telegramCalls.push(name));
  await context.addInitScript(() => {
    if (window.top !== window) return;
    const record = (window as unknown as { __sgRecord: (t: string, d: unknown) => void }).__sgRecord;
    for (const type of ['sg-ready', 'sg-success', 'sg-fail', 'sg-error']) {
      document.addEventListener(type, (e) => record(type, JSON.parse(JSON.stringify((e as CustomEvent).detail ?? null))), true);
    }
  });
  if (telegram) {
    // A string, not a function: tsx would wrap the stub's methods in a `__name` helper the page lacks.
    await context.addInitScript(`(() => {
      if (window.top !== window) return;
      const stub = ${JSON.stringify(telegram)};
      const record = (name) => window.__tgRecord(name);
      window.Telegram = { WebApp: {
        initData: stub.initData, initDataUnsafe: {}, version: '7.0', platform: 'ios', colorScheme: 'dark',
        themeParams: stub.themeParams,
        ready() { record('ready'); }, expand() { record('expand'); }, close() { record('close'); },
      } };
    })();`);
  }
  return { context, events, telegramCalls, errors: [] };
}

/** Opens the link page in a fresh context. */
export async function openLinkPage(browser: Browser, device: Device, url: string, telegram?: TelegramStub): Promise<LinkPage> {
  const opened = await openContext(browser, device, telegram);
  const page = await opened.context.newPage();
  page.on('pageerror', (e) => opened.errors.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return { ...opened, page };
}

export async function shootLink(page: Page, name: string): Promise<string> {
  mkdirSync(LINK_SHOTS, { recursive: true });
  const path = join(LINK_SHOTS, `${name}.png`);
  // Viewport shots: what the customer sees on screen (a phone's at its device pixel ratio).
  await page.screenshot({ path });
  return path;
}
