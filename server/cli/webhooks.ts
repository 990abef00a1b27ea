import { systemClock } from '../clock';
import type { Storage } from '../store/port';
import { WebhookSender } from '../webhooks/sender';
import { CliError, parse, required } from './args';

export async function webhooksCommand(store: Storage, args: string[]): Promise<unknown> {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, { project: { type: 'string' } } as const);
  const project = required(values.project, '--project');
  if (!(await store.projects.get(project))) throw new CliError(`project "${project}" does not exist`);
  switch (action) {
    case 'failed':
      return (await store.outbox.failed(project)).map((e) => ({
        id: e.id,
        type: e.type,
        session_id: e.session_id,
        url: e.url,
        attempts: e.attempts,
        last_response_status: e.last_response_status,
        last_error: e.last_error,
        created_at: new Date(e.created_at).toISOString(),
      }));
    case 'replay': {
      // The running server's sender picks the re-queued rows up on its next poll (about a second).
      const replayed = await new WebhookSender({ store, clock: systemClock }).replay(project, positionals[0]);
      if (positionals[0] && replayed === 0) throw new CliError(`event ${positionals[0]} is not a failed event of ${project}: \`webhooks failed --project ${project}\` lists them`);
      return { replayed };
    }
    default:
      throw new CliError(`unknown webhooks command "${action ?? ''}": use failed or replay`);
  }
}
