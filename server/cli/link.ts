import { readFileSync } from 'node:fs';
import { configFromEnv } from '../config';
import { systemClock } from '../clock';
import { validationError } from '../http/validation';
import { linkBody } from '../links/link-schema';
import { LinkService } from '../links/link-service';
import type { Storage } from '../store/port';
import { CliError, parse, required } from './args';
import { findProject } from './project';

/** `link create|list|show|disable`: what an account manager runs for a merchant with no developers. */
export async function linkCommand(store: Storage, args: string[]): Promise<unknown> {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, { project: { type: 'string' }, file: { type: 'string' } } as const);
  const links = new LinkService({ store, clock: systemClock, publicUrl: configFromEnv().publicUrl });
  const project = () => findProject(store, values.project, '--project');
  const linkOf = async (id: string | undefined) => {
    const row = await store.links.get(required(id, 'the link id'));
    if (!row) throw new CliError(`payment link ${id} does not exist`);
    return row;
  };
  switch (action) {
    case 'create': {
      const p = await project();
      const file = required(values.file, '--file');
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new CliError(`--file ${file} is not a readable JSON file: ${(error as Error).message.split('\n')[0]}`);
      }
      const parsed = linkBody.safeParse(json);
      if (!parsed.success) throw new CliError(validationError(parsed.error, json).message);
      const row = await store.transaction((tx) => links.create(tx, p, parsed.data));
      return { id: row.id, url: links.url(row.id) };
    }
    case 'list':
      return (await store.links.list((await project()).name)).map((row) => links.render(row));
    case 'show':
      return links.render(await linkOf(positionals[0]));
    case 'disable': {
      const row = await linkOf(positionals[0]);
      const owner = await findProject(store, row.project);
      return links.render(await store.transaction((tx) => links.disable(tx, owner, row.id)));
    }
    default:
      throw new CliError(`unknown link command "${action ?? ''}": use create, list, show or disable`);
  }
}
