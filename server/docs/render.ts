/** Renders OpenAPI operations as HTML: each request field with its type, rules and description. */
import { html } from 'hono/html';

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  description?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  maxLength?: number;
  pattern?: string;
};
type Operation = { summary?: string; requestBody?: { content: Record<string, { schema: JsonSchema }> } };
export type OpenApiDoc = {
  info: { title: string; description: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
};

export function renderOperation(doc: OpenApiDoc, path: string, ops: Record<string, Operation>) {
  return Object.entries(ops).map(([verb, op]) => {
    const schema = op.requestBody?.content['application/json']?.schema;
    const rows = schema ? fieldRows(doc, schema, '') : [];
    return html`<section id="${path}">
      <h2><code>${verb.toUpperCase()} ${path}</code></h2>
      <p>${op.summary ?? ''}</p>
      <table><tr><th>Field</th><th>Type</th><th>Rules</th></tr>
        ${rows.map((r) => html`<tr><td><code>${r.name}</code>${r.required ? html` <span class="badge">required</span>` : ''}</td><td>${r.type}</td><td>${r.rules}</td></tr>`)}
      </table>
    </section>`;
  });
}

type Row = { name: string; type: string; required: boolean; rules: string };

function resolve(doc: OpenApiDoc, s: JsonSchema): JsonSchema {
  return s.$ref ? resolve(doc, doc.components?.schemas?.[s.$ref.replace('#/components/schemas/', '')] ?? {}) : s;
}

function fieldRows(doc: OpenApiDoc, raw: JsonSchema, prefix: string, required = true): Row[] {
  const s = resolve(doc, raw);
  const variants = s.anyOf ?? s.oneOf;
  if (variants && !s.properties) {
    const objects = variants.map((v) => resolve(doc, v)).filter((v) => v.properties);
    if (objects.length) return objects.flatMap((v, i) => fieldRows(doc, v, prefix ? `${prefix}` : '', required).map((r) => ({ ...r, rules: `variant ${i + 1}. ${r.rules}` })));
  }
  if (!s.properties) return prefix ? [{ name: prefix, type: typeName(doc, s), required, rules: rules(s) }] : [];
  const rows: Row[] = prefix && prefix !== '' ? [{ name: prefix, type: 'object', required, rules: s.description ?? '' }] : [];
  for (const [key, child] of Object.entries(s.properties)) {
    rows.push(...fieldRows(doc, child, prefix ? `${prefix}.${key}` : key, s.required?.includes(key) ?? false));
  }
  return rows;
}

function typeName(doc: OpenApiDoc, s: JsonSchema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((e) => JSON.stringify(e)).join(' | ');
  const variants = s.anyOf ?? s.oneOf;
  if (variants) return variants.map((v) => typeName(doc, resolve(doc, v))).join(' | ');
  return Array.isArray(s.type) ? s.type.join(' | ') : (s.type ?? 'any');
}

function rules(s: JsonSchema): string {
  const parts = [
    s.minimum !== undefined ? `≥ ${s.minimum}` : '',
    s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : '',
    s.maximum !== undefined ? `≤ ${s.maximum}` : '',
    s.maxLength !== undefined ? `at most ${s.maxLength} characters` : '',
    s.pattern ? `pattern ${s.pattern}` : '',
    s.description ?? '',
  ];
  return parts.filter(Boolean).join('; ');
}
