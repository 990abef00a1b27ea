import * as s from '../server/merchant-api/schemas';
import { createBody } from './merchant';
const bodies = Array.from({ length: 2000 }, (_, i) => JSON.parse(createBody(i, 'r')));
const t = (label: string, fn: (b: any) => unknown) => {
  for (let k = 0; k < 3; k++) for (const b of bodies) fn(b);
  const t0 = performance.now();
  for (let k = 0; k < 5; k++) for (const b of bodies) fn(b);
  console.log(label.padEnd(28), ((performance.now() - t0) * 1000 / 10000).toFixed(2), 'µs');
};
t('createSessionBody', (b) => s.createSessionBody.safeParse(b));
t('amountDetails', (b) => s.amountDetails.safeParse(b.amount_details));
t('customer', (b) => s.customer.safeParse(b.customer));
t('httpUrl', (b) => s.httpUrl.safeParse(b.payment_options.return_url));
t('URL.canParse', (b) => URL.canParse(b.payment_options.return_url));
t('phone', (b) => s.phoneSchema.safeParse(b.customer.phone));
