import type { Db } from './db';
import type { Confirmation } from '../domain/types';

export type Project = {
  name: string;
  publicKeyPem: string;
  webhookUrl: string;
  webhookSecret: string;
  origins: string[];
  confirmation: Confirmation;
  confirmWindowMinutes: number;
  fpsQrLifetimeMinutes: number;
  createdAt: number;
} & ProjectBranding;

/** How the shop's support can be reached; each optional. */
export type SupportContacts = { email?: string; phone?: string; telegram?: string; url?: string };

/** What a customer sees of the shop on the hosted pages. */
export type ProjectBranding = {
  /** The shop's name for customers; null: the project's name is shown. */
  displayName: string | null;
  /** An https URL of the shop's logo, or null. */
  logoUrl: string | null;
  /** The language of every page the customer reads; null: the customer's own. */
  locale: 'ru' | 'en' | null;
  support: SupportContacts;
};

/** A project to insert: the branding may be left out (none yet). */
export type NewProject = Omit<Project, keyof ProjectBranding> & Partial<ProjectBranding>;


type ProjectRow = {
  name: string;
  public_key_pem: string;
  webhook_url: string;
  webhook_secret: string;
  origins_json: string;
  confirmation: Confirmation;
  confirm_window_minutes: number;
  fps_qr_lifetime_minutes: number;
  created_at: number;
  display_name: string | null;
  logo_url: string | null;
  locale: 'ru' | 'en' | null;
  support_json: string;
};

const fromRow = (r: ProjectRow): Project => ({
  name: r.name,
  publicKeyPem: r.public_key_pem,
  webhookUrl: r.webhook_url,
  webhookSecret: r.webhook_secret,
  origins: JSON.parse(r.origins_json) as string[],
  confirmation: r.confirmation,
  confirmWindowMinutes: r.confirm_window_minutes,
  fpsQrLifetimeMinutes: r.fps_qr_lifetime_minutes,
  createdAt: r.created_at,
  displayName: r.display_name,
  logoUrl: r.logo_url,
  locale: r.locale,
  support: JSON.parse(r.support_json) as SupportContacts,
});

const toParams = (p: Project) => ({ ...p, originsJson: JSON.stringify(p.origins), supportJson: JSON.stringify(p.support) });

export class ProjectRepo {
  private readonly byName;
  private readonly all;
  private readonly insertStmt;
  private readonly updateStmt;
  /** Projects are read on every signed request and change only through the CLI: cache them briefly. */
  private readonly cache = new Map<string, { project: Project | null; readAt: number }>();
  private static readonly CACHE_MS = 2_000;

  constructor(db: Db) {
    this.byName = db.prepare<[string], ProjectRow>('SELECT * FROM projects WHERE name = ?');
    this.all = db.prepare<[], ProjectRow>('SELECT * FROM projects ORDER BY name');
    this.insertStmt = db.prepare(
      `INSERT INTO projects (name, public_key_pem, webhook_url, webhook_secret, origins_json, confirmation,
         confirm_window_minutes, fps_qr_lifetime_minutes, created_at, display_name, logo_url, locale, support_json)
       VALUES (@name, @publicKeyPem, @webhookUrl, @webhookSecret, @originsJson, @confirmation,
         @confirmWindowMinutes, @fpsQrLifetimeMinutes, @createdAt, @displayName, @logoUrl, @locale, @supportJson)`,
    );
    this.updateStmt = db.prepare(
      `UPDATE projects SET public_key_pem = @publicKeyPem, webhook_url = @webhookUrl, origins_json = @originsJson,
         confirmation = @confirmation, confirm_window_minutes = @confirmWindowMinutes,
         fps_qr_lifetime_minutes = @fpsQrLifetimeMinutes, display_name = @displayName, logo_url = @logoUrl,
         locale = @locale, support_json = @supportJson WHERE name = @name`,
    );
  }

  get(name: string, now = Date.now()): Project | null {
    const hit = this.cache.get(name);
    if (hit && now - hit.readAt < ProjectRepo.CACHE_MS) return hit.project;
    const row = this.byName.get(name);
    const project = row ? fromRow(row) : null;
    this.cache.set(name, { project, readAt: now });
    return project;
  }

  list(): Project[] {
    return this.all.all().map(fromRow);
  }

  insert(p: NewProject): void {
    this.insertStmt.run(toParams({ ...p, displayName: p.displayName ?? null, logoUrl: p.logoUrl ?? null, locale: p.locale ?? null, support: p.support ?? {} }));
    this.cache.delete(p.name);
  }

  update(p: Project): void {
    this.updateStmt.run(toParams(p));
    this.cache.delete(p.name);
  }
}
