/**
 * Renders OpenAPI operations as HTML: the parameters, each request field with its type, rules and
 * description, the fields of the reply, and every status the operation answers with what it means.
 */
import { html, raw } from 'hono/html';

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
type Content = Record<string, { schema: JsonSchema }>;
type Parameter = { in: string; name: string; required?: boolean; description?: string; schema?: JsonSchema };
type Response = { description: string; headers?: Record<string, { description?: string }>; content?: Content };
type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { content: Content };
  responses?: Record<string, Response>;
};
export type OpenApiDoc = {
  info: { title: string; description: string };
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
};

/** `shownReplies`: the named reply schemas already rendered on the page, which are then referred to rather than repeated. */
export function renderOperation(doc: OpenApiDoc, path: string, ops: Record<string, Operation>, shownReplies = new Set<string>()) {
  return Object.entries(ops).map(([verb, op]) => {
    const schema = op.requestBody?.content['application/json']?.schema;
    const rows = schema ? fieldRows(doc, schema, '') : [];
    const bodyNote = schema && !rows.length ? resolve(doc, schema).description : undefined;
    const responses = Object.entries(op.responses ?? {});
    const success = responses.find(([status]) => status.startsWith('2'))?.[1].content?.['application/json']?.schema;
    const replyName = success?.$ref?.replace('#/components/schemas/', '');
    const repeated = replyName !== undefined && shownReplies.has(replyName);
    if (replyName) shownReplies.add(replyName);
    const replyRows = success && !repeated ? fieldRows(doc, success, '') : [];
    return html`<section id="${verb}-${path}">
      <h3><code>${verb.toUpperCase()} ${path}</code></h3>
      <p>${op.summary ?? ''}</p>
      ${op.description ? html`<p class="muted">${inlineCode(op.description)}</p>` : ''}
      ${op.parameters?.length
        ? html`<table><tr><th>Parameter</th><th>In</th><th>Description</th></tr>
            ${op.parameters.map((p) => html`<tr><td><code>${p.name}</code>${p.required ? html` <span class="badge">required</span>` : ''}</td><td>${p.in}</td><td>${inlineCode(p.description ?? p.schema?.description ?? '')}</td></tr>`)}
          </table>`
        : ''}
      ${rows.length ? fieldTable('Field', rows) : ''}
      ${bodyNote ? html`<p>Body: ${inlineCode(bodyNote)}</p>` : ''}
      ${repeated ? html`<p>Reply: <code>${replyName}</code>, as above.</p>` : ''}
      ${replyRows.length ? html`<h4>Reply${replyName ? html` <code>${replyName}</code>` : ''}</h4>${fieldTable('Reply field', replyRows)}` : ''}
      ${responses.length
        ? html`<h4>Statuses</h4><table><tr><th>Status</th><th>Meaning</th></tr>
            ${responses.map(([status, r]) => html`<tr><td><code>${status}</code></td><td>${inlineCode(r.description)}${Object.keys(r.headers ?? {}).map((name) => html` <span class="badge">${name}</span>`)}</td></tr>`)}
          </table>`
        : ''}
    </section>`;
  });
}

function fieldTable(heading: string, rows: Row[]) {
  return html`<table><tr><th>${heading}</th><th>Type</th><th>Rules</th></tr>
    ${rows.map((r) => html`<tr><td><code>${r.name}</code>${r.required ? html` <span class="badge">required</span>` : ''}</td><td>${r.type}</td><td>${inlineCode(r.rules)}</td></tr>`)}
  </table>`;
}

/** Text with its `code spans` as <code>: escaped first, so only the spans become markup. */
export function inlineCode(text: string) {
  const escaped = text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return raw(escaped.replace(/`([^`]+)`/g, '<code>$1</code>'));
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
  const items = s.items && resolve(doc, s.items);
  if (items?.properties) {
    // A list of objects: the list, then each item's fields as `list[].field`.
    return [{ name: prefix, type: 'array', required, rules: rules(s) }, ...fieldRows(doc, items, `${prefix}[]`, true).filter((r) => r.name !== `${prefix}[]`)];
  }
  if (!s.properties) return prefix ? [{ name: prefix, type: typeName(doc, s), required, rules: rules(s) }] : [];
  const rows: Row[] = prefix ? [{ name: prefix, type: typeName(doc, { ...s, type: s.type ?? 'object' }), required, rules: s.description ?? '' }] : [];
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
  if (s.type === 'array' && s.items) return `array of ${typeName(doc, resolve(doc, s.items))}`;
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
