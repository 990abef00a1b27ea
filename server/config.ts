import { resolve } from 'node:path';
import { rateLimitsFromEnv, type RateLimits } from './http/rate-limits';

function onOff(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (value === 'on' || value === 'off') return value === 'on';
  throw new Error(`${name}=${value} must be on or off`);
}

/** Settings read once at start-up; every one has a safe default so `npm start` just works. */
export type Config = {
  port: number;
  /**
   * The address to listen on. Default: loopback (127.0.0.1) while PUBLIC_URL is a localhost one,
   * since then nobody else is meant to reach it (and the developer console is on); every interface
   * (0.0.0.0) otherwise, since a server with a public URL sits behind a proxy or a load balancer
   * that must reach it. Set HOST to choose (e.g. 127.0.0.1 behind a proxy on the same host).
   */
  host: string;
  dataDir: string;
  /** DATABASE_URL=postgres://…: keep the data in PostgreSQL (several instances share it); unset: SQLite in DATA_DIR. */
  databaseUrl: string | null;
  /** DATABASE_POOL_SIZE: the most PostgreSQL connections this instance opens (default 10). */
  databasePoolSize: number;
  /** The origin that links, QR pages and the 3-D Secure page use. */
  publicUrl: string;
  /** How long a new session stays payable, unless the merchant asks otherwise. */
  sessionLifetimeMinutes: number;
  /** SG_RATE_LIMITS: the defaults of server/http/rate-limits.ts, each changeable or off. */
  rateLimits: RateLimits;
  /** TRUST_PROXY=on: behind a reverse proxy, the client's address is the last X-Forwarded-For entry. */
  trustProxy: boolean;
  /** BANK_LOGOS=fetch: download the FPS banks' logos from NSPK into DATA_DIR (off: initials only, nothing leaves). */
  fetchBankLogos: boolean;
  /** ACQUIRER: `sandbox` (the default: the embedded simulation, no money moves) or `smartglocal` (an upstream gateway; see README, Going live). */
  acquirer: AcquirerName;
  /** ACQUIRER_TIMEOUT_MS: how long a call to the rail may take before its outcome is unknown and reconciled (default 10000). */
  acquirerTimeoutMs: number;
  /** DEMO=on|off: mount the demo store and developer console beside the product (default: on with the sandbox only). */
  demo: boolean;
};

export const ACQUIRERS = ['sandbox', 'smartglocal'] as const;
export type AcquirerName = (typeof ACQUIRERS)[number];

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT=${env.PORT} is not a port number: use an integer from 0 to 65535`);
  }
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+$/.test(publicUrl)) {
    throw new Error(`PUBLIC_URL=${env.PUBLIC_URL} must be an origin such as https://pay.example.com (no path)`);
  }
  const host = env.HOST?.trim() || (isLoopbackHost(new URL(publicUrl).hostname) ? '127.0.0.1' : '0.0.0.0');
  if (!/^[\w.:-]+$/.test(host) || host.startsWith('[')) {
    throw new Error(`HOST=${env.HOST} is not an address to listen on: use an IP address such as 127.0.0.1, 0.0.0.0 or ::`);
  }
  const acquirer = acquirerSetting(env.ACQUIRER);
  return {
    port,
    host,
    dataDir: resolve(env.DATA_DIR ?? './.data'),
    databaseUrl: databaseUrlSetting(env.DATABASE_URL),
    databasePoolSize: poolSizeSetting(env.DATABASE_POOL_SIZE),
    publicUrl,
    sessionLifetimeMinutes: 24 * 60,
    rateLimits: rateLimitsFromEnv(env.SG_RATE_LIMITS),
    trustProxy: onOff('TRUST_PROXY', env.TRUST_PROXY, false),
    fetchBankLogos: bankLogosSetting(env.BANK_LOGOS),
    acquirer,
    acquirerTimeoutMs: timeoutSetting(env.ACQUIRER_TIMEOUT_MS),
    demo: onOff('DEMO', env.DEMO, acquirer === 'sandbox'),
  };
}

/** Whether a URL's host name is this machine's own: localhost, 127.x.x.x or [::1]. */
export const isLoopbackHost = (hostname: string) =>
  hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);

function databaseUrlSetting(value: string | undefined): string | null {
  if (!value?.trim()) return null;
  if (!/^postgres(ql)?:\/\//.test(value) || !URL.canParse(value)) {
    throw new Error('DATABASE_URL must be a PostgreSQL URL such as postgres://user:password@db.example:5432/sg_checkout (leave it unset for the embedded SQLite store)');
  }
  return value;
}

function poolSizeSetting(value: string | undefined): number {
  const size = Number(value ?? 10);
  if (!Number.isInteger(size) || size < 1 || size > 200) throw new Error(`DATABASE_POOL_SIZE=${value} must be a whole number from 1 to 200`);
  return size;
}

function acquirerSetting(value: string | undefined): AcquirerName {
  const name = value?.trim() || 'sandbox';
  if (!(ACQUIRERS as readonly string[]).includes(name)) {
    throw new Error(`ACQUIRER=${value} is not an acquirer: use sandbox (the simulation, no money moves) or smartglocal (an upstream gateway)`);
  }
  return name as AcquirerName;
}

function timeoutSetting(value: string | undefined): number {
  const ms = Number(value ?? 10_000);
  if (!Number.isInteger(ms) || ms < 100 || ms > 120_000) throw new Error(`ACQUIRER_TIMEOUT_MS=${value} must be a whole number of milliseconds from 100 to 120000`);
  return ms;
}

function bankLogosSetting(value: string | undefined): boolean {
  if (!value || value === 'off') return false;
  if (value === 'fetch') return true;
  throw new Error(`BANK_LOGOS=${value} must be fetch (download the banks' logos from NSPK) or off`);
}

export const dbFile = (config: Pick<Config, 'dataDir'>) => resolve(config.dataDir, 'sg-checkout.sqlite');
