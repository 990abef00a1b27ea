/**
 * Bank logos served by this server, so the phone bank list works offline and under a strict
 * `img-src 'self'`: `GET /assets/banks/:id` (the 12-digit FPS member id) answers the logo kept in
 * `<dataDir>/bank-logos/<id>.png`, or else a monogram (the bank's initials on a colour picked
 * from its id). Nothing is hot-linked from qr.nspk.ru.
 *
 * The cache fills only when fetching is enabled (`BANK_LOGOS=fetch`; off by default, since many
 * deployments have no way out): a request for a bank whose logo is missing or over a day old
 * starts one background download from the bank's NSPK logo URL, at most once per bank per day.
 * The request itself never waits for it.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono } from 'hono';
import { etag } from 'hono/etag';
import { ApiError } from '../errors';
import { BANKS, type FpsBank } from '../sandbox/banks';
import { bankInitials, monogramColour, monogramFontSize } from '../sandbox/bank-monogram';

export { MONOGRAM_COLOURS, bankInitials, monogramColour } from '../sandbox/bank-monogram';

/** The path of a bank's logo on this server (relative to its origin). */
export function bankLogoPath(id: string): string {
  return `/assets/banks/${id}`;
}

export type BankLogoOptions = {
  /** The data folder; logos are kept in its `bank-logos/` folder. */
  dataDir: string;
  /** The banks whose logos are served (default: the FPS directory). */
  banks?: readonly FpsBank[];
  /** Download missing logos from NSPK in the background (default false; `BANK_LOGOS=fetch` sets it in config.ts). */
  fetchLogos?: boolean;
  fetch?: typeof fetch;
  /** The clock in ms; tests move it. */
  now?: () => number;
};

/** A cached logo is fetched again once it is this old, and a bank is asked at most this often. */
export const LOGO_REFRESH_MS = 24 * 60 * 60 * 1000;
/** A logo larger than this is not an icon: it is refused. */
const MAX_LOGO_BYTES = 256 * 1024;
const LOGO_FETCH_TIMEOUT_MS = 10_000;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const MEMBER_ID = /^\d{12}$/;
/** The URL is stable while its answer may change (a monogram today, the logo tomorrow): long, not immutable. */
const CACHE_CONTROL = 'public, max-age=86400, stale-while-revalidate=604800';

/** The monogram as a 36×36 SVG: rounded square, white initials. */
export function monogramSvg(bank: Pick<FpsBank, 'id' | 'name'>): string {
  const initials = bankInitials(bank.name);
  const size = monogramFontSize(initials);
  const text = initials.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="36" height="36" viewBox="0 0 36 36"><rect width="36" height="36" rx="8" fill="${monogramColour(bank.id)}"/>`
    + `<text x="18" y="18" dy=".35em" text-anchor="middle" font-family="system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif" font-weight="700" font-size="${size}" fill="#fff">${text}</text></svg>`;
}

export function bankLogos(options: BankLogoOptions) {
  const banks = new Map((options.banks ?? BANKS).map((b) => [b.id, b]));
  const dir = join(options.dataDir, 'bank-logos');
  const fetchLogos = options.fetchLogos ?? false;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const now = options.now ?? Date.now;
  /** When each bank's logo was last asked for (in memory: a restart may ask once more that day). */
  const asked = new Map<string, number>();

  async function download(bank: FpsBank): Promise<void> {
    const res = await doFetch(bank.logoUrl!, { signal: AbortSignal.timeout(LOGO_FETCH_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`${bank.logoUrl} answered ${res.status}`);
    if (res.url && !res.url.startsWith('https:')) throw new Error(`${bank.logoUrl} redirected to ${res.url}, which is not https`);
    const body = Buffer.from(await res.arrayBuffer());
    // Only a real PNG of icon size is kept: the file is served as image/png under this server's name.
    if (body.length > MAX_LOGO_BYTES || !body.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error(`${bank.logoUrl} is not a PNG of at most ${MAX_LOGO_BYTES} bytes`);
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${bank.id}.png`);
    await writeFile(`${file}.tmp`, body);
    await rename(`${file}.tmp`, file); // readers see the old file or the new one, never half of one
  }

  function refresh(bank: FpsBank, cachedAt: number | null): void {
    if (!fetchLogos || !bank.logoUrl) return;
    const t = now();
    if (cachedAt !== null && t - cachedAt < LOGO_REFRESH_MS) return;
    if (t - (asked.get(bank.id) ?? -Infinity) < LOGO_REFRESH_MS) return;
    asked.set(bank.id, t);
    download(bank).catch((error: Error) => console.warn(`bank logo ${bank.id}: ${error.message}; the monogram stays`));
  }

  const app = new Hono();
  // A revalidation after max-age costs a 304, not the image again.
  app.use('/assets/banks/*', etag());
  app.get('/assets/banks/:id', async (c) => {
    const id = c.req.param('id');
    const bank = MEMBER_ID.test(id) ? banks.get(id) : undefined;
    if (!bank) throw new ApiError(404, 'not_found', `no FPS bank with member id ${id}: logos are at /assets/banks/<12-digit member id>`);
    c.header('Cache-Control', CACHE_CONTROL);
    c.header('X-Content-Type-Options', 'nosniff');
    const file = join(dir, `${id}.png`);
    const cached = await stat(file).catch(() => null);
    refresh(bank, cached ? cached.mtimeMs : null);
    if (cached) {
      const body = await readFile(file).catch(() => null);
      if (body) return c.body(new Uint8Array(body), 200, { 'Content-Type': 'image/png' });
    }
    // An SVG opened on its own is a document: it may not run or load anything.
    c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    return c.body(monogramSvg(bank), 200, { 'Content-Type': 'image/svg+xml; charset=utf-8' });
  });
  return app;
}
