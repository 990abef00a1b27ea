/** Turns a failed zod validation into one 400 that names the field at fault and how to fix it. */
import type { ZodError } from 'zod';
import { ApiError } from '../errors';

/**
 * The reported issue: an unknown key first (a typo of a required field would otherwise be
 * reported as the missing field, hiding the misspelling), else the first issue.
 */
export function validationError(error: ZodError, input?: unknown): ApiError {
  const issue = error.issues.find((i) => i.code === 'unrecognized_keys') ?? error.issues[0];
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
