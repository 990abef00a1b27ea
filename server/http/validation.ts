/** Turns a failed zod validation into one 400 that names the field at fault and how to fix it. */
import { z, type ZodError } from 'zod';
import { ApiError } from '../errors';

const KINDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'a list',
};

/**
 * This API's words for each kind of problem, where a schema gives none of its own (a schema's
 * message always wins): what is allowed, never the library's "Invalid input: expected …".
 */
function apiWords(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${KINDS[issue.expected] ?? issue.expected}`;
    case 'too_big':
      return issue.origin === 'string' ? `must be at most ${issue.maximum} characters`
        : issue.origin === 'array' || issue.origin === 'set' ? `must have at most ${issue.maximum} items`
        : `must be at most ${issue.maximum}`;
    case 'too_small':
      return issue.origin === 'string' ? (Number(issue.minimum) === 1 ? 'must not be empty' : `must be at least ${issue.minimum} characters`)
        : issue.origin === 'array' || issue.origin === 'set' ? `must have at least ${issue.minimum} items`
        : `must be at least ${issue.minimum}`;
    case 'invalid_format':
      return issue.format === 'email' ? 'must be an email address such as you@example.com'
        : issue.format === 'url' ? 'must be a URL such as https://example.com/path'
        : 'has the wrong format: the API reference at /docs shows what this field takes';
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return 'matches none of the shapes this field takes: see the API reference at /docs';
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_key':
    case 'invalid_element':
      return 'holds a value this field does not take';
    default:
      return undefined;
  }
}

z.config({ customError: apiWords });

/**
 * The reported issue: an unknown key first (a typo of a required field would otherwise be
 * reported as the missing field, hiding the misspelling), else the first issue.
 */
export function validationError(error: ZodError, input?: unknown): ApiError {
  // zod adds a "safe integer" bound to every integer: a field's own maximum says more (1e16 kopecks: "at most 10000000000").
  const issues = error.issues.filter((i) => !((i.code === 'too_big' || i.code === 'too_small') && i.origin === 'int' && error.issues.length > 1));
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  if (!issue) return new ApiError(400, 'invalid_request', 'the body is invalid', 'body');
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const path = [...issue.path, ...(unknownKey ? [unknownKey] : [])].map(String).join('.') || 'body';
  const message =
    unknownKey ? 'is not a known field: check its spelling against the API reference at /docs'
    : issue.path.length === 0 && issue.code === 'invalid_type' ? 'must be a JSON object'
    : issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined ? 'is required'
    : issue.message;
  return new ApiError(400, 'invalid_request', `${path}: ${message}`, path);
}

// zod 4 does not keep the input on an issue, so whether a field is missing is read from the input itself.
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

export const validationHook = (result: { success: boolean; error?: ZodError; data?: unknown }) => {
  if (!result.success && result.error) throw validationError(result.error, result.data);
};
