/** The benchmark's merchant: signs bodies as a shop's backend would and calls the merchant API. */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export class Merchant {
  readonly publicKeyPem: string;
  private readonly privateKey: KeyObject;
  baseUrl = '';
  project = '';

  constructor() {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  sign(body: string): string {
    return sign('sha256', Buffer.from(body), this.privateKey).toString('base64');
  }

  /** The headers of a signed call with exactly this body. */
  headers(body: string): Record<string, string> {
    return { 'content-type': 'application/json', 'x-partner-project': this.project, 'x-partner-sign': this.sign(body) };
  }

  /** A signed `POST /api/v1/<method>`; throws unless 200. */
  async call<T = any>(method: string, body: object): Promise<T> {
    const raw = JSON.stringify(body);
    const res = await fetch(`${this.baseUrl}/api/v1/${method}`, { method: 'POST', body: raw, headers: this.headers(raw) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${method} answered ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  }
}

/** A realistic session/create body; `i` makes each one distinct (order id, amount, customer). */
export function createBody(i: number, run: string): string {
  return JSON.stringify({
    amount_details: { amount: 10_000 + i, currency: 'RUB' },
    description: `Order #${run}-${i}: 2 items`,
    metadata: { order_id: `${run}-${i}`, channel: 'web' },
    customer: { reference: `customer-${i % 97}`, email: `buyer${i}@example.com`, phone: `7${String(9_000_000_000 + i).padStart(10, '0')}` },
    payment_options: { return_url: `https://shop.example/orders/${run}-${i}/return` },
  });
}
