import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Storage } from '../store/port';
import type { Project, ProjectBranding, SupportContacts, WebhookSigning } from '../store/rows';
import { configFromEnv } from '../config';
import { loadServerKey, type ServerKey } from '../server-key';
import { linkBody } from '../links/link-schema';
import { CliError, parse, required } from './args';

const OPTIONS = {
  name: { type: 'string' },
  'public-key': { type: 'string' },
  'webhook-url': { type: 'string' },
  origin: { type: 'string', multiple: true },
  confirmation: { type: 'string' },
  'webhook-signing': { type: 'string' },
  'display-name': { type: 'string' },
  'logo-url': { type: 'string' },
  locale: { type: 'string' },
  'support-email': { type: 'string' },
  'support-phone': { type: 'string' },
  'support-telegram': { type: 'string' },
  'support-url': { type: 'string' },
} as const;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

const NAME = /^[a-z0-9][a-z0-9_-]{1,62}$/;

/**
 * `project add|list|show|update`. `serverKey` loads the server's key, asked for only when a
 * project signs its webhooks with it (`--webhook-signing smartglocal`): its public half is printed
 * as `webhook_public_key`, what the merchant verifies X-PARTNER-SIGN with. Default: the key the
 * server finds from the environment (SERVER_KEY_FILE, SERVER_PRIVATE_KEY or DATA_DIR).
 */
export async function projectCommand(store: Storage, args: string[], serverKey: () => ServerKey = () => loadServerKey({ dataDir: configFromEnv().dataDir })): Promise<unknown> {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, OPTIONS);
  const withPublicKey = (p: Project) => (p.webhookSigning === 'smartglocal' ? { ...describe(p), webhook_public_key: serverKey().publicKeyPem } : describe(p));
  switch (action) {
    case 'add': {
      const name = required(values.name, '--name');
      if (!NAME.test(name)) throw new CliError(`--name "${name}" must be 2–63 characters of a–z, 0–9, _ and -, starting with a letter or digit`);
      if (await store.projects.get(name)) throw new CliError(`project "${name}" already exists: use \`project update ${name}\``);
      const project: Project = {
        name,
        publicKeyPem: readPublicKey(required(values['public-key'], '--public-key')),
        webhookUrl: checkUrl(required(values['webhook-url'], '--webhook-url'), '--webhook-url'),
        webhookSecret: `whsec_${randomBytes(24).toString('base64')}`,
        origins: (values.origin ?? []).map(checkOrigin),
        confirmation: checkConfirmation(values.confirmation ?? 'auto'),
        webhookSigning: checkWebhookSigning(values['webhook-signing'] ?? 'standard'),
        confirmWindowMinutes: 240,
        fpsQrLifetimeMinutes: 15,
        createdAt: Date.now(),
        ...branding(values, { displayName: null, logoUrl: null, locale: null, support: {} }),
      };
      // Read before the insert: a key that cannot be loaded leaves no project behind, half set up.
      const described = withPublicKey(project);
      await store.transaction((tx) => tx.projects.insert(project));
      // The secret too under smartglocal: it signs the order checks, and the webhooks if the project goes back to standard.
      return { ...described, webhook_secret: project.webhookSecret };
    }
    case 'list':
      return (await store.projects.list()).map(describe);
    case 'show':
      return withPublicKey(await findProject(store, positionals[0]));
    case 'update': {
      const current = await findProject(store, positionals[0]);
      const next: Project = {
        ...current,
        ...(values['public-key'] ? { publicKeyPem: readPublicKey(values['public-key']) } : {}),
        ...(values['webhook-url'] ? { webhookUrl: checkUrl(values['webhook-url'], '--webhook-url') } : {}),
        ...(values.origin ? { origins: values.origin.map(checkOrigin) } : {}),
        ...(values.confirmation ? { confirmation: checkConfirmation(values.confirmation) } : {}),
        ...(values['webhook-signing'] ? { webhookSigning: checkWebhookSigning(values['webhook-signing']) } : {}),
        ...branding(values, current),
      };
      const described = withPublicKey(next);
      await store.transaction(async (tx) => {
        await tx.projects.update(next);
        // A merchant who points the project at a (new) endpoint wants it to receive events again.
        await tx.outbox.enableEndpoint(next.name, next.webhookUrl);
      });
      return described;
    }
    default:
      throw new CliError(`unknown project command "${action ?? ''}": use add, list, show or update`);
  }
}

/** What `show` and `list` print: everything but the webhook secret, which `add` prints once. */
const describe = (p: Project) => ({
  project: p.name,
  webhook_url: p.webhookUrl,
  origins: p.origins,
  confirmation: p.confirmation,
  webhook_signing: p.webhookSigning ?? 'standard',
  confirm_window_minutes: p.confirmWindowMinutes,
  fps_qr_lifetime_minutes: p.fpsQrLifetimeMinutes,
  display_name: p.displayName,
  logo_url: p.logoUrl,
  locale: p.locale ?? 'auto',
  support: p.support,
  created_at: new Date(p.createdAt).toISOString(),
});

/** The registered project `name`; `what` names where the name was expected, for the error when it is missing. */
export async function findProject(store: Storage, name: string | undefined, what = 'the project name'): Promise<Project> {
  const project = await store.projects.get(required(name, what));
  if (!project) throw new CliError(`project "${name}" does not exist: \`project list\` shows the registered ones`);
  return project;
}

function readPublicKey(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch {
    throw new CliError(`--public-key ${file} cannot be read: give the path of a PEM file`);
  }
  if (/PRIVATE KEY/.test(pem)) throw new CliError(`--public-key ${file} holds a private key: register the public key (openssl rsa -in private.pem -pubout -out public.pem) and keep the private one secret`);
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new CliError(`--public-key ${file} is shorter than 2048 bits: generate a 2048-bit or longer RSA key`);
    return key.export({ type: 'spki', format: 'pem' }).toString();
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`--public-key ${file} is not an RSA public key in PEM: create one with openssl genrsa -out private.pem 2048 && openssl rsa -in private.pem -pubout -out public.pem`);
  }
}

function checkUrl(value: string, flag: string): string {
  if (!/^https?:\/\//.test(value) || !URL.canParse(value)) throw new CliError(`${flag} "${value}" must be an http(s) URL such as https://shop.example/webhooks`);
  return value;
}

function checkOrigin(value: string): string {
  if (!URL.canParse(value) || new URL(value).origin !== value.replace(/\/$/, '') || !/^https?:/.test(value)) {
    throw new CliError(`--origin "${value}" must be an origin: scheme, host and port only, such as https://shop.example`);
  }
  return new URL(value).origin;
}

function checkWebhookSigning(value: string): WebhookSigning {
  if (value !== 'standard' && value !== 'smartglocal') {
    throw new CliError(`--webhook-signing must be standard (Standard Webhooks with the whsec_ secret) or smartglocal (X-PARTNER-SIGN with the server's key), not "${value}"`);
  }
  return value;
}

function checkConfirmation(value: string): 'auto' | 'manual' {
  if (value !== 'auto' && value !== 'manual') throw new CliError(`--confirmation must be auto or manual, not "${value}"`);
  return value;
}

/**
 * The branding flags over `current`: a flag left out keeps its value, an empty one (`--logo-url ""`)
 * clears it. Support contacts follow the payment links' rules (link-schema.ts).
 */
function branding(values: Values, current: ProjectBranding): ProjectBranding {
  const set = <T>(value: string | undefined, keep: T, check: (v: string) => T): T | null => (value === undefined ? keep : value.trim() === '' ? null : check(value.trim()));
  const contacts = linkBody.shape.support.shape;
  const support: SupportContacts = { ...current.support };
  for (const key of ['email', 'phone', 'telegram', 'url'] as const) {
    const value = set(values[`support-${key}`], current.support[key], (v) => {
      const checked = contacts[key].safeParse(v);
      if (!checked.success) throw new CliError(`--support-${key} "${v}" ${checked.error.issues[0]!.message}`);
      return v;
    });
    if (value) support[key] = value;
    else delete support[key];
  }
  return {
    displayName: set(values['display-name'], current.displayName, checkDisplayName),
    logoUrl: set(values['logo-url'], current.logoUrl, checkLogoUrl),
    locale: values.locale === undefined ? current.locale : checkLocale(values.locale),
    support,
  };
}

function checkDisplayName(value: string): string {
  if (value.length > 80 || /[\p{Cc}]/u.test(value)) throw new CliError(`--display-name must be at most 80 characters on one line, such as "Байкал Маркет"`);
  return value;
}

function checkLogoUrl(value: string): string {
  if (!/^https:\/\//i.test(value) || !URL.canParse(value)) throw new CliError(`--logo-url "${value}" must be an https URL such as https://shop.example/logo.png: the pages are served over https and an http picture would be blocked`);
  return value;
}

function checkLocale(value: string): 'ru' | 'en' | null {
  if (value === 'auto') return null;
  if (value !== 'ru' && value !== 'en') throw new CliError(`--locale must be ru, en or auto (each customer's own language), not "${value}"`);
  return value;
}
