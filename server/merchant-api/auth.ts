/**
 * Authenticates merchant requests: `X-PARTNER-PROJECT` names the project, `X-PARTNER-SIGN` is
 * base64 of an RSA PKCS#1 v1.5 SHA-256 signature of the exact raw body. Each failure says what
 * to fix. The verified raw body is parsed once and handed on with the project, so nothing reads
 * the body from another source than the bytes that were signed.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { partnerVerify } from '../webhooks/signature-headers';
import type { HonoRequest } from 'hono';
import { ApiError } from '../errors';
import { MERCHANT_BODY_LIMIT_BYTES, parseJson, readBody, requireJson } from '../http/body';
import type { ProjectReads } from '../store/port';
import type { Project } from '../store/rows';

/** A request whose signature checked out: its project, the exact bytes signed, and those bytes parsed. */
export type SignedRequest = { project: Project; rawBody: Uint8Array; body: unknown };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const keys = new Map<string, KeyObject>();
function publicKey(pem: string): KeyObject {
  let key = keys.get(pem);
  if (!key) keys.set(pem, (key = createPublicKey(pem)));
  return key;
}

const unauthorized = (description: string) => new ApiError(401, 'unauthorized', description);

/**
 * Checks the signature on libuv's thread pool (the callback form of crypto.verify): an RSA check
 * costs 25–35 µs of CPU, which then runs beside the event loop whenever a core is free instead of
 * holding up every other request (handing it over still costs the loop a few µs).
 */
export function verifySignature(pem: string, body: Uint8Array, signatureB64: string): Promise<boolean> {
  return partnerVerify(publicKey(pem), body, signatureB64);
}

/**
 * Authenticates one merchant request and reads its body, in this order: project, signature
 * header, size, signature, media type, JSON. The first failure is the error thrown.
 */
export async function authenticate(req: HonoRequest, projects: ProjectReads): Promise<SignedRequest> {
  const name = req.header('x-partner-project');
  if (!name) throw unauthorized('X-PARTNER-PROJECT header is missing: send your project name as registered with `project add`');
  const project = await projects.get(name);
  if (!project) throw unauthorized(`project "${name}" is not registered: check X-PARTNER-PROJECT or register it with \`npm run cli -- project add\``);
  const signature = req.header('x-partner-sign');
  if (!signature) throw unauthorized('X-PARTNER-SIGN header is missing: send base64 of the RSA-SHA256 signature of the raw body');
  if (!BASE64.test(signature) || signature.length % 4 !== 0) {
    throw unauthorized('X-PARTNER-SIGN is not base64: send the signature bytes base64-encoded on one line');
  }
  // Capped while it streams in, before any signature work: no method needs more.
  const rawBody = await readBody(req.raw, MERCHANT_BODY_LIMIT_BYTES);
  if (!(await verifySignature(project.publicKeyPem, rawBody, signature))) {
    throw unauthorized(
      'X-PARTNER-SIGN does not match the body: sign the exact bytes you send (RSA PKCS#1 v1.5, SHA-256) with the private key of the public key registered for this project',
    );
  }
  requireJson(req.raw);
  return { project, rawBody, body: parseJson(rawBody) };
}
