/**
 * The payment server's side of the demo store's registration: what `npm run cli -- project add`
 * (and `project update`) would do, done in-process so that `npm start` needs no setup step.
 * This is the operator's code, not the merchant's; the store itself only sees `RegisterProject`.
 */
import { randomBytes } from 'node:crypto';
import type { Storage } from '../../server/store/port';
import type { RegisterProject } from './credentials';

/**
 * A `RegisterProject` that inserts the project into `store`, or updates its display name, logo,
 * support contacts, key and webhook URL, and adds its origins: several instances on one database
 * each register the store, and each one's page must keep working.
 */
export function registerInStore(store: Storage, now: () => number = Date.now): RegisterProject {
  return ({ name, displayName, logoUrl, support, publicKeyPem, webhookUrl, origins: own }) =>
    store.transaction(async (tx) => {
      const current = await tx.projects.get(name);
      const origins = [...new Set([...(current?.origins ?? []), ...own])];
      if (!current) {
        const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
        await tx.projects.insert({
          name,
          displayName,
          logoUrl,
          support,
          publicKeyPem,
          webhookUrl,
          webhookSecret,
          origins,
          confirmation: 'auto',
          confirmWindowMinutes: 240,
          fpsQrLifetimeMinutes: 15,
          createdAt: now(),
        });
        return { webhookSecret };
      }
      const unchanged =
        current.displayName === displayName &&
        current.logoUrl === logoUrl &&
        JSON.stringify(current.support) === JSON.stringify(support) &&
        current.publicKeyPem === publicKeyPem && current.webhookUrl === webhookUrl && JSON.stringify(current.origins) === JSON.stringify(origins);
      if (!unchanged) {
        await tx.projects.update({ ...current, displayName, logoUrl, support, publicKeyPem, webhookUrl, origins });
        await tx.outbox.enableEndpoint(name, webhookUrl);
      }
      return { webhookSecret: current.webhookSecret };
    });
}
