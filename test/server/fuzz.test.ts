/**
 * Property-based fuzzing of every route a stranger can reach: each merchant method (signed, so
 * the body reaches validation), each public route and the pages, with bodies drawn from the
 * documented request schemas and mutated (a field dropped, retyped, stretched, a key added or
 * doubled). Whatever arrives, the answer comes in time, is never a 5xx, and an error is JSON
 * that names its code and, for a 400, the field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { signBody, sessionWithToken, startHarness } from './helpers';

/** Each request must be answered within this (the server's slowest honest path is a signature check and a commit). */
const ANSWER_WITHIN_MS = 2_000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type SchemaNode = { type?: string | string[]; properties?: Record<string, SchemaNode>; required?: string[]; items?: SchemaNode; enum?: Json[]; example?: Json; anyOf?: SchemaNode[]; oneOf?: SchemaNode[]; $ref?: string; maxLength?: number; maximum?: number; pattern?: string; const?: Json };

const h = await startHarness();
test.after(() => h.close());

/** The document's own schemas: the bodies a client is told to send. */
async function requestSchemas(): Promise<{ path: string; schema: SchemaNode; resolve: (s: SchemaNode) => SchemaNode }[]> {
  const doc = (await (await h.app.request('/docs/openapi.json')).json()) as { paths: Record<string, { post?: { requestBody?: { content: Record<string, { schema: SchemaNode }> } } }>; components: { schemas: Record<string, SchemaNode> } };
  const resolve = (s: SchemaNode): SchemaNode => (s.$ref ? resolve(doc.components.schemas[s.$ref.split('/').at(-1)!]!) : s);
  return Object.entries(doc.paths)
    .filter(([path, item]) => path.startsWith('/api/v1/') && item.post?.requestBody)
    .map(([path, item]) => ({ path, schema: item.post!.requestBody!.content['application/json']!.schema, resolve }));
}

/** A value that fits the schema's shape, with fast-check's choice of contents. */
function fitting(node: SchemaNode, resolve: (s: SchemaNode) => SchemaNode, depth = 0): fc.Arbitrary<Json> {
  const s = resolve(node);
  // The documented example often, so that valid bodies reach past validation into the service too.
  if (s.example !== undefined) return fc.oneof(fc.constant(s.example), shaped(s, resolve, depth));
  return shaped(s, resolve, depth);
}

function shaped(s: SchemaNode, resolve: (s: SchemaNode) => SchemaNode, depth: number): fc.Arbitrary<Json> {
  const options = s.anyOf ?? s.oneOf;
  if (options) return fc.oneof(...options.map((o) => fitting(o, resolve, depth + 1)));
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === 'object' || s.properties) {
    const props = Object.entries(s.properties ?? {});
    if (depth > 4) return fc.constant({});
    const required = s.required ?? [];
    const field = ([k, v]: [string, SchemaNode]) => [k, fitting(v, resolve, depth + 1)] as const;
    // The required fields alone (which a valid body often is), or any of the others beside them.
    return fc.oneof(
      fc.record(Object.fromEntries(props.filter(([k]) => required.includes(k)).map(field))),
      fc.record(Object.fromEntries(props.map(field)), { requiredKeys: required }),
    ) as fc.Arbitrary<Json>;
  }
  if (type === 'array') return fc.array(s.items ? fitting(s.items, resolve, depth + 1) : fc.string(), { maxLength: 3 });
  if (type === 'integer') return fc.oneof(fc.integer({ min: -5, max: 20_000 }), fc.constant(1e16), fc.double({ noNaN: true }));
  if (type === 'number') return fc.oneof(fc.double({ noNaN: true }), fc.integer());
  if (type === 'boolean') return fc.boolean();
  return fc.string({ maxLength: 40 });
}

/** A body as a client might get it wrong: fitting, or mutated, or not an object at all. */
const anyJson: fc.Arbitrary<Json> = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;
function mutated(base: fc.Arbitrary<Json>): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: base.map((b) => JSON.stringify(b)), weight: 6 },
    fc.tuple(base, fc.string({ maxLength: 12 }), anyJson).map(([b, k, v]) => JSON.stringify(typeof b === 'object' && b && !Array.isArray(b) ? { ...b, [k]: v } : b)),
    fc.tuple(base, anyJson).map(([b, v]) => JSON.stringify(typeof b === 'object' && b && !Array.isArray(b) ? Object.fromEntries(Object.keys(b).map((k, i) => [k, i === 0 ? v : (b as Record<string, Json>)[k]!])) : v)),
    base.map((b) => JSON.stringify(b).replace(/^\{"([^"]+)":/, '{"$1":null,"$1":')), // a key given twice
    anyJson.map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 60 }), // not JSON at all
    fc.constantFrom('', '{', '{"amount_details":{"amount":1e400}}', '[]', 'null', '"x"', '{"__proto__":{"x":1}}'),
  );
}

/** The request is answered in time, with no 5xx, and an error names its code (and a 400 its field). */
async function assertWellAnswered(what: string, request: () => Promise<Response> | Response): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const res = await Promise.race([
    Promise.resolve(request()),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ANSWER_WITHIN_MS} ms`)), ANSWER_WITHIN_MS))),
  ]).finally(() => clearTimeout(timer));
  assert.ok(res.status < 500, `${what}: ${res.status} ${await res.clone().text()}`);
  if (res.status < 400 || !(res.headers.get('content-type') ?? '').includes('application/json')) return;
  const body = (await res.json()) as { error?: { code?: unknown; description?: unknown; field?: unknown } };
  assert.equal(typeof body.error?.code, 'string', `${what}: ${JSON.stringify(body)}`);
  assert.equal(typeof body.error?.description, 'string', what);
  if (res.status === 400) assert.equal(typeof body.error?.field, 'string', `${what}: a 400 names the field: ${JSON.stringify(body)}`);
  assert.doesNotMatch(String(body.error?.description), /Invalid input|expected .*, received|must match pattern/, `${what}: library wording`);
}

test('every merchant method answers any body well: no 5xx, no hang, a 400 naming the field', async () => {
  const methods = await requestSchemas();
  assert.ok(methods.length >= 10, `documented methods: ${methods.map((m) => m.path).join(', ')}`);
  for (const { path, schema, resolve } of methods) {
    await fc.assert(
      fc.asyncProperty(mutated(fitting(schema, resolve)), async (raw) => {
        await assertWellAnswered(`${path} ${raw}`, () =>
          h.app.request(path, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-partner-project': 'shop', 'x-partner-sign': signBody(h.keys.privateKey, raw) } }),
        );
      }),
      { numRuns: 25 },
    );
  }
});

test('every public route and page answers anything well', async () => {
  const { token } = await sessionWithToken(h);
  const routes = ['payments', 'cards', 'renew', 'sberpay/push', 'saved-card/remove', 'payments/pm_00000000000000000000/abandon'];
  const contentType = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8');
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...routes), contentType, mutated(anyJson), fc.boolean(), async (route, type, raw, known) => {
      const t = known ? token : `pt_${'x'.repeat(32)}`;
      await assertWellAnswered(`POST ${route} (${type}) ${raw}`, () => h.app.request(`/public/v1/sessions/${t}/${route}`, { method: 'POST', body: raw, headers: { 'content-type': type } }));
    }),
    { numRuns: 150 },
  );
  const text = fc.string({ maxLength: 40 }).map(encodeURIComponent);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('/l/', '/pay/', '/receipt/', '/public/v1/sessions/', '/sandbox/payments/', '/sandbox/3ds/', '/sandbox/bank?link=', '/assets/banks/', '/widget/'), text, async (prefix, rest) => {
      await assertWellAnswered(`GET ${prefix}${rest}`, () => h.app.request(`${prefix}${rest}`));
    }),
    { numRuns: 150 },
  );
  await fc.assert(
    fc.asyncProperty(text, mutated(anyJson), async (id, raw) => {
      await assertWellAnswered(`POST /l/${id}/checkout ${raw}`, () => h.app.request(`/l/${id}/checkout`, { method: 'POST', body: raw, headers: { 'content-type': 'application/json' } }));
    }),
    { numRuns: 60 },
  );
});
