/** Payment links (`pl_…`): created by the CLI or the signed API, paid many times on the hosted page `/l/:id`. */
import { iso } from '../clock';
import type { Clock } from '../clock';
import { notFound } from '../errors';
import { newId } from '../ids';
import type { Project } from '../store/project-repo';
import type { LinkRow } from '../store/link-repo';
import type { Store } from '../store/store';
import type { LinkInput } from './link-schema';

export class LinkService {
  constructor(
    private readonly d: { store: Store; clock: Clock; publicUrl: string },
  ) {}

  create(project: Project, input: LinkInput): LinkRow {
    const row: LinkRow = { id: newId('pl'), project: project.name, data_json: JSON.stringify(input), disabled_at: null, created_at: this.d.clock.now() };
    this.d.store.transaction(() => this.d.store.links.insert(row));
    return row;
  }

  /** The link of this project; 404 for an unknown id or another project's link. */
  get(project: Project, id: string): LinkRow {
    const row = this.d.store.links.get(id);
    if (!row || row.project !== project.name) throw notFound('payment link', id);
    return row;
  }

  disable(project: Project, id: string): LinkRow {
    const row = this.get(project, id);
    this.d.store.transaction(() => this.d.store.links.disable(id, this.d.clock.now()));
    return this.d.store.links.get(row.id)!;
  }

  url(id: string): string {
    return `${this.d.publicUrl}/l/${id}`;
  }

  /** The merchant-facing JSON of a link: everything given, except the bot token, which stays secret. */
  render(row: LinkRow) {
    const { telegram_bot_token, ...input } = JSON.parse(row.data_json) as LinkInput;
    return {
      id: row.id,
      url: this.url(row.id),
      status: row.disabled_at === null ? 'active' : 'disabled',
      created_at: iso(row.created_at),
      ...input,
      telegram: { bot_token_set: telegram_bot_token !== undefined },
    };
  }

  /** An active link by id, for its public page; null when unknown or disabled. */
  active(id: string): { row: LinkRow; link: LinkInput } | null {
    const row = this.d.store.links.get(id);
    return row && row.disabled_at === null ? { row, link: JSON.parse(row.data_json) as LinkInput } : null;
  }
}
