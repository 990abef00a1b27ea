import type { Hono } from 'hono';
import type { Storage } from '../store/port';

/**
 * Holds every answer of `app` until what it reports is on disk (see Storage): a write's own
 * change, or one it read that another request has just committed. When nothing is waiting for
 * the disk, which is every read while no write is under way, the answer goes out as it is.
 *
 * This wraps `app.fetch` (which `app.request` calls too) rather than being a middleware: a
 * middleware would put every route on Hono's async path, and the status read is hot.
 */
export function answerWhenDurable<A extends Hono<any, any, any>>(app: A, store: Storage, onSyncFailed: (error: unknown) => Response): A {
  const dispatch = app.fetch;
  const whenDurable = (response: Response) => {
    const durable = store.whenDurable();
    return durable ? durable.then(() => response, (error: unknown) => withCors(onSyncFailed(error), response)) : response;
  };
  app.fetch = (request, env, ctx) => {
    const response = dispatch(request, env, ctx);
    return response instanceof Promise ? response.then(whenDurable) : whenDurable(response);
  };
  return app;
}

/** The failure keeps the answer's CORS headers, so a page on another origin can read it. */
function withCors(failure: Response, answer: Response): Response {
  answer.headers.forEach((value, name) => {
    if (name.startsWith('access-control-')) failure.headers.set(name, value);
  });
  return failure;
}
