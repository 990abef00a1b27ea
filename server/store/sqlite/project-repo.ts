import type { Db } from './db';
import type { ProjectTable } from '../port';
import type { ProjectCache } from '../project-cache';
import { projectFromRow, projectParams, type NewProject, type Project, type ProjectRow } from '../rows';
import { projectWithDefaults } from '../new-project';

export class ProjectRepo implements ProjectTable {
  private readonly byName;
  private readonly all;
  private readonly insertStmt;
  private readonly updateStmt;
  constructor(
    db: Db,
    private readonly cache: ProjectCache,
  ) {
    this.byName = db.prepare<[string], ProjectRow>('SELECT * FROM projects WHERE name = ?');
    this.all = db.prepare<[], ProjectRow>('SELECT * FROM projects ORDER BY name');
    this.insertStmt = db.prepare(
      `INSERT INTO projects (name, public_key_pem, webhook_url, webhook_secret, origins_json, confirmation,
         confirm_window_minutes, fps_qr_lifetime_minutes, webhook_signing, created_at, display_name, logo_url, locale, support_json)
       VALUES (@name, @publicKeyPem, @webhookUrl, @webhookSecret, @originsJson, @confirmation,
         @confirmWindowMinutes, @fpsQrLifetimeMinutes, @webhookSigning, @createdAt, @displayName, @logoUrl, @locale, @supportJson)`,
    );
    this.updateStmt = db.prepare(
      `UPDATE projects SET public_key_pem = @publicKeyPem, webhook_url = @webhookUrl, origins_json = @originsJson,
         confirmation = @confirmation, confirm_window_minutes = @confirmWindowMinutes,
         fps_qr_lifetime_minutes = @fpsQrLifetimeMinutes, webhook_signing = @webhookSigning, display_name = @displayName, logo_url = @logoUrl,
         locale = @locale, support_json = @supportJson WHERE name = @name`,
    );
  }

  /** Through the cache: for reads of committed rows only (see projectsInTransaction). */
  get(name: string): Promise<Project | null> {
    return this.cache.get(name, () => this.load(name));
  }

  peek(name: string): Project | undefined {
    return this.cache.peek(name);
  }

  async load(name: string): Promise<Project | null> {
    const row = this.byName.get(name);
    return row ? projectFromRow(row) : null;
  }

  async list(): Promise<Project[]> {
    return this.all.all().map(projectFromRow);
  }

  async insert(p: NewProject): Promise<void> {
    this.insertStmt.run(projectParams(projectWithDefaults(p)));
  }

  async update(p: Project): Promise<void> {
    this.updateStmt.run(projectParams(p));
  }
}
