import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake of the caller's: printed as one line, exit code 2. */
export class CliError extends Error {}

/** node:util parseArgs in strict mode, with its errors turned into one clear line. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
}

export function required<T>(value: T | undefined, flag: string): T {
  if (value === undefined || value === '') throw new CliError(`${flag} is required`);
  return value;
}
