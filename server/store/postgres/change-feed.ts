import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

/** The channel of session changes; a payload is `<instanceId> <sessionId>` (see PostgresStorage's transaction). */
export const SESSION_CHANNEL = 'sg_session_changed';

const FIRST_RETRY_MS = 200;
const LAST_RETRY_MS = 5_000;
/**
 * A listening connection only receives, so it would not notice a connection that died without a
 * word (a failover, a dropped NAT entry) until TCP keepalive gives up, minutes later: it asks
 * something this often instead, and reconnects when that fails.
 */
const HEARTBEAT_MS = 15_000;

/**
 * Session changes committed by the other instances, heard through LISTEN on one connection of
 * its own (a pooled one would be handed to transactions, and LISTEN belongs to a session).
 *
 * PostgreSQL delivers a notification only to the sessions listening at that moment, so while
 * this connection is down, changes go unheard: once it is back, `deliver(null)` tells the
 * listeners that any session may have changed (a long-poll then re-reads its session).
 */
export class ChangeFeed {
  private client: pg.Client | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly stop = new AbortController();

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly instanceId: string,
    private readonly deliver: (sessionId: string | null) => void,
  ) {}

  /** Listens; rejects when the first connection fails (the storage does not open then). */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ ...this.config, keepAlive: true });
    client.on('error', () => {}); // until it listens; then `lost` takes over (and an unheard 'error' would crash the process)
    client.on('notification', (n) => {
      if (n.channel !== SESSION_CHANNEL || !n.payload || this.stop.signal.aborted) return;
      const space = n.payload.indexOf(' ');
      // Our own changes reached our listeners straight after the commit (PostgresStorage.transaction).
      if (space > 0 && n.payload.slice(0, space) !== this.instanceId) this.deliver(n.payload.slice(space + 1));
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${SESSION_CHANNEL}`);
    } catch (error) {
      void client.end().catch(() => {});
      throw error;
    }
    if (this.stop.signal.aborted) {
      void client.end().catch(() => {});
      return;
    }
    let gone = false;
    const lost = () => {
      if (gone) return;
      gone = true;
      this.client = null;
      if (this.heartbeat) clearInterval(this.heartbeat);
      void client.end().catch(() => {});
      if (!this.stop.signal.aborted) void this.reconnect();
    };
    client.on('error', lost).on('end', lost);
    this.client = client;
    this.heartbeat = setInterval(() => void client.query('SELECT 1').catch(lost), HEARTBEAT_MS).unref();
  }

  /** Tries again, waiting 200 ms, then twice as long each time up to 5 s, until it listens or the feed is closed. */
  private async reconnect(): Promise<void> {
    for (let wait = FIRST_RETRY_MS; !this.stop.signal.aborted; wait = Math.min(wait * 2, LAST_RETRY_MS)) {
      try {
        await sleep(wait, undefined, { signal: this.stop.signal });
        await this.connect();
      } catch {
        continue; // still down (or closed: the loop ends)
      }
      if (!this.stop.signal.aborted) this.deliver(null);
      return;
    }
  }

  /** Stops for good: no reconnecting, no more deliveries. */
  async close(): Promise<void> {
    this.stop.abort();
    if (this.heartbeat) clearInterval(this.heartbeat);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}
