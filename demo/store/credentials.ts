/**
 * The demo merchant's secrets, kept as a merchant keeps theirs: an RSA-2048 key pair made on
 * first start (the private key readable by this user only) and the webhook secret the payment
 * server issued, all under `<dataDir>/demo-store/`, which is git-ignored with the rest of
 * DATA_DIR. Nothing here is ever committed or sent anywhere but the public key.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the payment server's operator does for a new merchant (`npm run cli -- project add`). */
export type ProjectRegistration = {
  name: string;
  displayName: string;
  logoUrl: string;
  support: { email?: string; phone?: string; telegram?: string; url?: string };
  publicKeyPem: string;
  webhookUrl: string;
  origins: string[];
};

/**
 * Registers the project, or brings an existing one up to date with the given key, webhook URL
 * and origins, and answers its webhook signing secret (`whsec_…`). Called on every start, so a
 * new PORT or PUBLIC_URL reaches the server's project too.
 */
export type RegisterProject = (project: ProjectRegistration) => Promise<{ webhookSecret: string }> | { webhookSecret: string };

export type Credentials = { project: string; privateKeyPem: string; publicKeyPem: string; webhookSecret: string };

export const DEMO_PROJECT = 'demo-store';

/** The shop's name for its customers: the hosted pages and the 3-D Secure page show it, never the slug above. */
export const DEMO_SHOP_NAME = 'Baikal Goods';

/** How the demo shop's customers reach it: the failure screen and the receipt show these. */
export const DEMO_SUPPORT = { email: 'help@baikal-goods.example', telegram: '@baikal_goods_help' };

/** Where the store serves its logo (index.ts), registered as the project's logo_url. */
export const DEMO_LOGO_PATH = '/demo/logo.svg';

/** Loads the key pair from `dir` (making it on first start), registers the project and stores its secret. */
export async function loadCredentials(dir: string, publicUrl: string, register: RegisterProject): Promise<Credentials> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privateFile = join(dir, 'private.pem');
  if (!existsSync(privateFile)) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    // Written aside, then linked into place: link never overwrites, so when several instances
    // start on one DATA_DIR at once the first key stays and no one reads a half-written file.
    const draft = `${privateFile}.${process.pid}.tmp`;
    writeFileSync(draft, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    try {
      linkSync(draft, privateFile);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(draft);
    }
  }
  chmodSync(privateFile, 0o600); // a copied data folder may have lost the mode
  const privateKeyPem = readFileSync(privateFile, 'utf8');
  const publicKeyPem = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();
  // The public half beside it, for a developer who wants to sign a curl request as the demo store.
  writeFileSync(join(dir, 'public.pem'), publicKeyPem);

  const { webhookSecret } = await register({ name: DEMO_PROJECT, displayName: DEMO_SHOP_NAME, logoUrl: `${publicUrl}${DEMO_LOGO_PATH}`, support: DEMO_SUPPORT, publicKeyPem, webhookUrl: `${publicUrl}/demo/webhooks`, origins: [publicUrl] });
  writeFileSync(join(dir, 'webhook-secret'), `${webhookSecret}\n`, { mode: 0o600 });
  chmodSync(join(dir, 'webhook-secret'), 0o600);
  return { project: DEMO_PROJECT, privateKeyPem, publicKeyPem, webhookSecret };
}
