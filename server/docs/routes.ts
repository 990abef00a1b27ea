/**
 * The API reference: `/docs/openapi.json` is generated from the very zod schemas that validate
 * requests (the merchant API registers its methods; the public API is registered here from
 * public-api/docs.ts); `/docs` renders it as one self-contained page (no CDN: the product runs offline).
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { html } from 'hono/html';
import { page, PAGE_CSP } from '../pages/layout';
import { PUBLIC_API_DESCRIPTION, PUBLIC_API_TAG, registerPublicApiDocs } from '../public-api/docs';
import { inlineCode, renderOperation, type OpenApiDoc } from './render';
import { registerWebhookDocs, webhooksSection } from './webhooks';

const MERCHANT_API_TAG = 'Merchant API';

export function mountDocs(app: OpenAPIHono<any>, publicUrl: string): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'PartnerProject', {
    type: 'apiKey',
    in: 'header',
    name: 'X-PARTNER-PROJECT',
    description: 'The project name given to `npm run cli -- project add --name`.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'PartnerSignature', {
    type: 'apiKey',
    in: 'header',
    name: 'X-PARTNER-SIGN',
    description: "Base64 of the RSA PKCS#1 v1.5 SHA-256 signature of the exact raw body, made with the project's private key.",
  });
  registerPublicApiDocs(app);
  registerWebhookDocs(app);
  const document = () =>
    app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'sg-checkout API',
        version: '1',
        description: 'Payment sessions on the sandbox acquirer: cards with 3-D Secure, FPS (СБП) and SberPay. Amounts are integer kopecks.',
      },
      tags: [
        { name: MERCHANT_API_TAG, description: 'Signed calls from the merchant\'s server: POST /api/v1/<method>, a JSON body of at most 64 KiB.' },
        { name: PUBLIC_API_TAG, description: PUBLIC_API_DESCRIPTION },
      ],
      servers: [{ url: publicUrl }],
    }) as unknown as OpenApiDoc;

  app.get('/docs/openapi.json', (c) => c.json(document()));
  app.get('/docs', (c) => {
    const doc = document();
    c.header('Content-Security-Policy', PAGE_CSP);
    return c.html(
      page(
        'sg-checkout API reference',
        html`<h1>${doc.info.title}</h1>
          <p class="muted">${doc.info.description} Machine-readable: <a href="/docs/openapi.json">openapi.json</a>.</p>
          <h2 id="merchant-api">${MERCHANT_API_TAG}</h2>
          <h3>Authentication</h3>
          <p>Every call is <code>POST</code> with a JSON body and two headers: <code>X-PARTNER-PROJECT</code> (your project name)
            and <code>X-PARTNER-SIGN</code> (base64 of the RSA PKCS#1 v1.5 SHA-256 signature of the exact body bytes).
            Add <code>Idempotency-Key</code> to make a call safe to retry. Any other method on <code>/api/v1/…</code> is 405 with <code>Allow: POST</code>.</p>
          <pre>sig=$(printf '%s' "$BODY" | openssl dgst -sha256 -sign private.pem | base64 -w0)</pre>
          ${operationsTagged(doc, MERCHANT_API_TAG)}
          ${webhooksSection()}
          <h2 id="public-api">${PUBLIC_API_TAG}</h2>
          <p>${inlineCode(PUBLIC_API_DESCRIPTION)}</p>
          ${operationsTagged(doc, PUBLIC_API_TAG)}`,
        'en',
        { mainClass: 'wide' },
      ),
    );
  });
}

/** The operations of one tag, each path with only its operations of that tag. */
function operationsTagged(doc: OpenApiDoc, tag: string) {
  const shownReplies = new Set<string>();
  return Object.entries(doc.paths).flatMap(([path, ops]) => {
    const tagged = Object.fromEntries(Object.entries(ops).filter(([, op]) => op.tags?.includes(tag)));
    return Object.keys(tagged).length ? [renderOperation(doc, path, tagged, shownReplies)] : [];
  });
}
