/**
 * Who the shopper is, for the demo: a random id in a cookie, sent to the payment server as
 * `customer.reference` so the widget can offer this shopper's last used card on the next order.
 * A real store would use its own account id here. HttpOnly: page scripts never need it.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

const COOKIE = 'demo_customer';
const ID = /^cust_[0-9a-f]{24}$/;
const YEAR_SECONDS = 365 * 24 * 60 * 60;

/** The shopper's id, set on the response when they have none yet. */
export function customerId(c: Context, secure: boolean): string {
  const known = getCookie(c, COOKIE);
  if (known && ID.test(known)) return known;
  const id = `cust_${randomBytes(12).toString('hex')}`;
  setCookie(c, COOKIE, id, { httpOnly: true, sameSite: 'Lax', secure, path: '/', maxAge: YEAR_SECONDS });
  return id;
}

/** The shopper's id if they have one; never sets it. */
export function knownCustomerId(c: Context): string | null {
  const known = getCookie(c, COOKIE);
  return known && ID.test(known) ? known : null;
}
