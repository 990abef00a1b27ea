/**
 * The shop as its customers see it on every hosted page: its display name and logo at the top,
 * and its support contacts. The project's name (an internal slug such as "demo-store") is shown
 * only when the merchant set no display name.
 */
import { html } from 'hono/html';
import type { Project, SupportContacts } from '../store/rows';
import type { Reads } from '../store/port';
import type { PageLanguage } from './language';

export type Shop = { name: string; logoUrl: string | null; locale: PageLanguage | null; support: SupportContacts };

/** The shop of a project, as its pages show it. */
export const shopOf = (project: Project): Shop => ({
  name: project.displayName ?? project.name,
  logoUrl: project.logoUrl,
  locale: project.locale,
  support: project.support,
});

/** The shop of the project named `project` (a session's or a link's), or null if there is none. */
export async function shopNamed(store: Reads, project: string): Promise<Shop | null> {
  const found = await store.projects.get(project);
  return found ? shopOf(found) : null;
}

const WORDS = {
  ru: { logo: (name: string) => `Логотип ${name}`, support: 'Поддержка' },
  en: { logo: (name: string) => `${name} logo`, support: 'Support' },
} satisfies Record<PageLanguage, unknown>;

/** The shop's logo and name, heading a page. */
export const shopHeader = (shop: Shop, lang: PageLanguage) =>
  html`<header class="shop-head">${shop.logoUrl ? html`<img class="shop-logo" src="${shop.logoUrl}" alt="${WORDS[lang].logo(shop.name)}" width="40" height="40">` : ''}<span class="shop-name">${shop.name}</span></header>`;

/** "Support: phone · email · @telegram · site", each a link; nothing when there are no contacts. */
export function supportBlock(support: SupportContacts, lang: PageLanguage) {
  const items = [
    support.phone && html`<a href="tel:${support.phone}">${support.phone}</a>`,
    support.email && html`<a href="mailto:${support.email}">${support.email}</a>`,
    support.telegram && html`<a href="https://t.me/${support.telegram.slice(1)}">${support.telegram}</a>`,
    support.url && html`<a href="${support.url}" target="_blank" rel="noopener">${support.url}</a>`,
  ].filter(Boolean);
  if (!items.length) return '';
  return html`<section id="support" class="support"><strong>${WORDS[lang].support}:</strong> ${items.map((item, i) => html`${i ? ' · ' : ''}${item}`)}</section>`;
}
