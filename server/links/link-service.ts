/** Payment links (`pl_…`): created by the CLI or the signed API, paid many times on the hosted page `/l/:id`. */
import { iso } from '../clock';
import type { Clock } from '../clock';
import { notFound } from '../errors';
import { newId } from '../ids';
import type { Project } from '../store/rows';
import type { LinkRow } from '../store/rows';
import type { LinkReads, Storage, Tx } from '../store/port';
import type { LinkInput } from './link-schema';

export class LinkService {
  constructor(
    private readonly d: { store: Storage; clock: Clock; publicUrl: string },
  ) {}

  async create(tx: Tx, project: Project, input: LinkInput): Promise<LinkRow> {
    const row: LinkRow = { id: newId('pl'), project: project.name, data_json: JSON.stringify(input), disabled_at: null, created_at: this.d.clock.now() };
    await tx.links.insert(row);
    return row;
  }

  /** The link of this project; 404 for an unknown id or another project's link. */
  async get(reads: { links: LinkReads }, project: Project, id: string): Promise<LinkRow> {
    const row = await reads.links.get(id);
    if (!row || row.project !== project.name) throw notFound('payment link', id);
    return row;
  }

  async disable(tx: Tx, project: Project, id: string): Promise<LinkRow> {
    const row = await this.get(tx, project, id);
    await tx.links.disable(id, this.d.clock.now());
    return (await tx.links.get(row.id))!;
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
  async active(id: string): Promise<{ row: LinkRow; link: LinkInput } | null> {
    const row = await this.d.store.links.get(id);
    return row && row.disabled_at === null ? { row, link: JSON.parse(row.data_json) as LinkInput } : null;
  }
}
