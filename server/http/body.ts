/**
 * Request bodies, read the one safe way: capped while they stream in (a chunked body too, which
 * declares no length), so an oversized one costs at most the cap in memory, and parsed as one
 * JSON object with no key given twice (two parsers reading `{"amount": 1, "amount": 9}` could
 * disagree on which one counts).
 */
import { ApiError } from '../errors';

/** The merchant API's largest body: no method needs more. */
export const MERCHANT_BODY_LIMIT_BYTES = 64 * 1024;
/** The public API's and the hosted pages' largest body: a card, a phone number, a link form. */
export const PUBLIC_BODY_LIMIT_BYTES = 16 * 1024;

const tooLarge = (limit: number) =>
  new ApiError(413, 'body_too_large', `the body is over ${limit} bytes, the most this route takes: send only the fields it documents`);

/** The body's bytes, refused with 413 as soon as they pass `limit` (the rest is never read). */
export async function readBody(req: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get('content-length') ?? 0);
  if (declared > limit) throw tooLarge(limit);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      void reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** The bytes as JSON: 400 for text that is not JSON, or an object that names a key twice. */
export function parseJson(bytes: Uint8Array): unknown {
  const text = new TextDecoder().decode(bytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'the body is not valid JSON: send one JSON object', 'body');
  }
  const duplicate = duplicateKey(text);
  if (duplicate) throw new ApiError(400, 'duplicate_key', `${duplicate.path} is given twice: send each field once`, duplicate.path);
  return value;
}

/** Whether the request says its body is JSON; 415 is the answer when not. */
export function requireJson(req: Request): void {
  if (!/^application\/json\b/i.test(req.headers.get('content-type') ?? '')) {
    throw new ApiError(415, 'unsupported_media_type', 'send the body as JSON with Content-Type: application/json');
  }
}

/** Reads and parses a capped JSON body, sent as application/json. */
export async function readJson(req: Request, limit: number): Promise<unknown> {
  requireJson(req);
  return parseJson(await readBody(req, limit));
}

/**
 * The first key that an object of valid JSON `text` names twice, with its dotted path. One pass
 * over the text: a stack of the open containers, each object with the keys seen so far.
 */
function duplicateKey(text: string): { path: string } | null {
  type Frame = { keys: Set<string> | null; path: string; key: string | number; index: number };
  const stack: Frame[] = [];
  const pathOf = (frame: Frame | undefined, key: string | number) => (frame?.path ? `${frame.path}.${key}` : String(key));
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const top = stack.at(-1);
      if (expectKey && top?.keys) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) return { path: pathOf(top, key) };
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
      i = end;
    } else if (ch === '{' || ch === '[') {
      const parent = stack.at(-1);
      const key = parent ? (parent.keys ? parent.key : parent.index) : '';
      stack.push({ keys: ch === '{' ? new Set() : null, path: parent ? pathOf(parent, key) : '', key: '', index: 0 });
      expectKey = ch === '{';
    } else if (ch === '}' || ch === ']') {
      stack.pop();
    } else if (ch === ',') {
      const top = stack.at(-1);
      if (top?.keys) expectKey = true;
      else if (top) top.index++;
    }
  }
  return null;
}
