/**
 * The API reference: `/docs/openapi.json` is generated from the very zod schemas that validate
 * requests; `/docs` renders it as one self-contained page (no CDN: the product runs offline).
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { html } from 'hono/html';
import { page, PAGE_CSP } from '../pages/layout';
import { renderOperation, type OpenApiDoc } from './render';

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
  const document = () =>
    app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'sg-checkout merchant API',
        version: '1',
        description: 'Payment sessions on the sandbox acquirer: cards with 3-D Secure, FPS (СБП) and SberPay. Amounts are integer kopecks.',
      },
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
          <h2>Authentication</h2>
          <p>Every call is <code>POST</code> with a JSON body and two headers: <code>X-PARTNER-PROJECT</code> (your project name)
            and <code>X-PARTNER-SIGN</code> (base64 of the RSA PKCS#1 v1.5 SHA-256 signature of the exact body bytes).
            Add <code>Idempotency-Key</code> to make a call safe to retry.</p>
          <pre>sig=$(printf '%s' "$BODY" | openssl dgst -sha256 -sign private.pem | base64 -w0)</pre>
          ${Object.entries(doc.paths).map(([path, ops]) => renderOperation(doc, path, ops))}`,
        'en',
        { mainClass: 'wide' },
      ),
    );
  });
}
