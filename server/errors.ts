/**
 * Errors are values with an HTTP status. Every layer throws `ApiError`; the app's one
 * `onError` turns it into the documented reply `{"status":"error","error":{code, description}}`.
 */
export type ApiErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 410 | 413 | 415 | 422 | 429 | 500 | 502 | 503;

export class ApiError extends Error {
  constructor(
    readonly status: ApiErrorStatus,
    readonly code: string,
    description: string,
    /** The request field at fault, as a dotted path (`amount_details.amount`). */
    readonly field?: string,
  ) {
    super(description);
    this.name = 'ApiError';
  }

  toBody(): ErrorBody {
    return {
      status: 'error',
      error: { code: this.code, description: this.message, ...(this.field ? { field: this.field } : {}) },
    };
  }
}

export type ErrorBody = {
  status: 'error';
  error: { code: string; description: string; field?: string };
};

export const badRequest = (field: string, description: string) =>
  new ApiError(400, 'invalid_request', description, field);

export const notFound = (what: string, id: string) =>
  new ApiError(404, 'not_found', `${what} ${id} does not exist for this project: check the id you stored`);

export const conflict = (description: string) => new ApiError(409, 'invalid_state', description);
