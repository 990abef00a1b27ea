import { resolve } from 'node:path';

/** Settings read once at start-up; every one has a safe default so `npm start` just works. */
export type Config = {
  port: number;
  dataDir: string;
  /** The origin that links, QR pages and the 3-D Secure page use. */
  publicUrl: string;
  /** How long a new session stays payable, unless the merchant asks otherwise. */
  sessionLifetimeMinutes: number;
};

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT=${env.PORT} is not a port number: use an integer from 0 to 65535`);
  }
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+$/.test(publicUrl)) {
    throw new Error(`PUBLIC_URL=${env.PUBLIC_URL} must be an origin such as https://pay.example.com (no path)`);
  }
  return {
    port,
    dataDir: resolve(env.DATA_DIR ?? './.data'),
    publicUrl,
    sessionLifetimeMinutes: 24 * 60,
  };
}

export const dbFile = (config: Pick<Config, 'dataDir'>) => resolve(config.dataDir, 'sg-checkout.sqlite');
