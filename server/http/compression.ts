import { brotliCompressSync, constants, gzipSync, type BrotliOptions, type ZlibOptions } from 'node:zlib';
import type { Hono } from 'hono';
import { parseAccept } from 'hono/utils/accept';
import { COMPRESSIBLE_CONTENT_TYPE_REGEX } from 'hono/utils/compress';

export type Encoding = 'br' | 'gzip';

/** Bodies smaller than this (bytes) go out as they are: compressing them saves less than it costs. */
export const COMPRESS_THRESHOLD_BYTES = 1024;

/** Brotli first (about a fifth smaller than gzip on the widget), then gzip; `undefined`: neither accepted. */
export function pickEncoding(acceptEncoding: string | null | undefined): Encoding | undefined {
  if (!acceptEncoding) return undefined;
  const accepts = parseAccept(acceptEncoding);
  const q = (name: string) => accepts.find((a) => a.type.toLowerCase() === name)?.q ?? accepts.find((a) => a.type === '*')?.q ?? 0;
  if (q('br') > 0 && q('br') >= q('gzip')) return 'br';
  return q('gzip') > 0 ? 'gzip' : undefined;
}

/**
 * How hard to compress: `dynamic` for an answer made per request (brotli 5, gzip 6: about 0.5 ms
 * for the 5 KB bank list here), `static` for a file compressed once (brotli 11, gzip 9).
 */
export type Effort = 'dynamic' | 'static';

export function zlibOptions(encoding: Encoding, effort: Effort, sizeBytes: number): ZlibOptions | BrotliOptions {
  if (encoding === 'gzip') return { level: effort === 'static' ? 9 : 6 };
  return {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: effort === 'static' ? 11 : 5,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: sizeBytes,
    },
  };
}

/** Compresses on the calling thread: see compressAnswers for why. */
export const compressBytes = (body: Uint8Array, encoding: Encoding, effort: Effort): Uint8Array<ArrayBuffer> =>
  new Uint8Array(encoding === 'gzip' ? gzipSync(body, zlibOptions(encoding, effort, body.length)) : brotliCompressSync(body, zlibOptions(encoding, effort, body.length)));

export const isCompressible = (contentType: string | null) => !!contentType && COMPRESSIBLE_CONTENT_TYPE_REGEX.test(contentType);

/** `Vary` with `Accept-Encoding` added once. */
export const varyOnEncoding = (vary: string | null) => (!vary ? 'Accept-Encoding' : /(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(vary) ? vary : `${vary}, Accept-Encoding`);

export type CompressOptions = {
  /** Requests whose answers are sent untouched, before the answer is even looked at. */
  passThrough?: (request: Request) => boolean;
};

/**
 * Compresses `app`'s text answers (HTML, JSON, JS, CSS, SVG: Hono's list of compressible types)
 * of 1 KB and more, in brotli or gzip as the request's Accept-Encoding asks, and marks every
 * compressible answer `Vary: Accept-Encoding`. An answer that already has a Content-Encoding (the
 * precompressed widget files) or says `no-transform` is left alone.
 *
 * Why not hono/compress: it is a middleware, which puts every route on Hono's async path; it knows
 * gzip and deflate only; and its threshold reads Content-Length, which `c.json`, `c.html` and a
 * plain Response do not set, so it would compress the small status view on every poll. This wraps
 * `app.fetch` instead, like answerWhenDurable, and compresses with node:zlib synchronously: the
 * bodies are complete when the handler answers (a long-poll answers once, after its wait), and
 * the libuv thread pool is left to the database log's fdatasync.
 */
export function compressAnswers<A extends Hono<any, any, any>>(app: A, options: CompressOptions = {}): A {
  const dispatch = app.fetch;
  const passThrough = options.passThrough ?? (() => false);
  app.fetch = (request, env, ctx) => {
    const response = dispatch(request, env, ctx);
    if (passThrough(request)) return response;
    return response instanceof Promise ? response.then((r) => compressed(request, r)) : compressed(request, response);
  };
  return app;
}

function compressed(request: Request, response: Response): Response | Promise<Response> {
  const headers = response.headers;
  if (!response.body || response.status === 206 || !isCompressible(headers.get('content-type'))) return response;
  if (headers.has('content-encoding') || /(^|,)\s*no-transform\s*(,|$)/i.test(headers.get('cache-control') ?? '')) return response;
  const out = new Headers(headers);
  out.set('vary', varyOnEncoding(headers.get('vary')));
  const encoding = request.method === 'HEAD' ? undefined : pickEncoding(request.headers.get('accept-encoding'));
  const length = Number(headers.get('content-length') ?? NaN);
  if (!encoding || length < COMPRESS_THRESHOLD_BYTES) return new Response(response.body, { status: response.status, statusText: response.statusText, headers: out });
  return response.arrayBuffer().then((buffer) => {
    const body = new Uint8Array(buffer);
    if (body.length < COMPRESS_THRESHOLD_BYTES) return new Response(body, { status: response.status, statusText: response.statusText, headers: out });
    out.set('content-encoding', encoding);
    out.delete('content-length');
    // The compressed bytes are another representation: a strong validator of the plain ones no longer fits.
    const etag = out.get('etag');
    if (etag && !etag.startsWith('W/')) out.set('etag', `W/${etag}`);
    return new Response(compressBytes(body, encoding, 'dynamic'), { status: response.status, statusText: response.statusText, headers: out });
  });
}
