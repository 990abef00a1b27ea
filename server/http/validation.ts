/** Turns a failed zod validation into one 400 that names the first field at fault. */
import type { ZodError } from 'zod';
import { ApiError } from '../errors';

export function validationError(error: ZodError): ApiError {
  const issue = error.issues[0];
  if (!issue) return new ApiError(400, 'invalid_request', 'the body is invalid');
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const path = [...issue.path, ...(unknownKey ? [unknownKey] : [])].map(String).join('.') || 'body';
  const message =
    unknownKey ? 'is not a known field: check its spelling against the API reference at /docs'
    : issue.code === 'invalid_type' && issue.input === undefined ? 'is required'
    : issue.message;
  return new ApiError(400, 'invalid_request', `${path}: ${message}`, path);
}

export const validationHook = (result: { success: boolean; error?: ZodError }) => {
  if (!result.success && result.error) throw validationError(result.error);
};
