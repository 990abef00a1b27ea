/**
 * A merchant's webhook endpoint in twenty lines: verifies every delivery with the
 * `standardwebhooks` package and prints the event. Run it beside the server:
 *
 *   WEBHOOK_SECRET=whsec_… npx tsx demo/webhook-receiver.ts      (listens on :4000)
 */
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const secret = process.env.WEBHOOK_SECRET;
if (!secret?.startsWith('whsec_')) {
  console.error('set WEBHOOK_SECRET to the webhook_secret that `project add` printed');
  process.exit(2);
}
const webhook = new Webhook(secret);
const port = Number(process.env.RECEIVER_PORT ?? 4000);

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      // verify() checks the signature and that the timestamp is recent; it throws otherwise.
      const event = webhook.verify(body, req.headers as Record<string, string>) as { type: string; session?: { id: string; status: string }; subscription?: { id: string; status: string } };
      // A session's events carry the session; a subscription's, the subscription.
      const about = event.session ?? event.subscription!;
      console.log(`verified ${req.headers['webhook-id']}: ${event.type} ${about.id} → ${about.status}`);
      res.writeHead(204).end();
    } catch (error) {
      console.log(`rejected a delivery: ${(error as Error).message}`);
      res.writeHead(400).end();
    }
  });
}).listen(port, () => console.log(`webhook receiver on http://localhost:${port}/webhooks`));
