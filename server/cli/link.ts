import { readFileSync } from 'node:fs';
import { configFromEnv } from '../config';
import { systemClock } from '../clock';
import { validationError } from '../http/validation';
import { linkBody } from '../links/link-schema';
import { LinkService } from '../links/link-service';
import type { Store } from '../store/store';
import { CliError, parse, required } from './args';
import { findProject } from './project';

/** `link create|list|show|disable`: what an account manager runs for a merchant with no developers. */
export function linkCommand(store: Store, args: string[]): unknown {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, { project: { type: 'string' }, file: { type: 'string' } } as const);
  const links = new LinkService({ store, clock: systemClock, publicUrl: configFromEnv().publicUrl });
  const project = () => findProject(store, values.project, '--project');
  const linkOf = (id: string | undefined) => {
    const row = store.links.get(required(id, 'the link id'));
    if (!row) throw new CliError(`payment link ${id} does not exist`);
    return row;
  };
  switch (action) {
    case 'create': {
      const p = project();
      const file = required(values.file, '--file');
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new CliError(`--file ${file} is not a readable JSON file: ${(error as Error).message.split('\n')[0]}`);
      }
      const parsed = linkBody.safeParse(json);
      if (!parsed.success) throw new CliError(validationError(parsed.error, json).message);
      const row = links.create(p, parsed.data);
      return { id: row.id, url: links.url(row.id) };
    }
    case 'list':
      return store.links.list(project().name).map((row) => links.render(row));
    case 'show':
      return links.render(linkOf(positionals[0]));
    case 'disable': {
      const row = linkOf(positionals[0]);
      return links.render(links.disable(findProject(store, row.project), row.id));
    }
    default:
      throw new CliError(`unknown link command "${action ?? ''}": use create, list, show or disable`);
  }
}
