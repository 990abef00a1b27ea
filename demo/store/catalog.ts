/**
 * What the demo store sells, and the one place that prices an order. The page shows prices, but
 * an order is always priced here, from the SKU and quantity alone: whatever price a client sends
 * is never read.
 *
 * A subscription is bought alone: one of it, nothing else in the order. Its first payment is
 * the session `subscription/create` makes, for exactly the price of one period, and every
 * renewal charges that same amount; a mug in the same order would either be charged again each
 * month or need a second payment the customer did not expect. So the page asks the customer to
 * check out one or the other, and the backend refuses a mixed order whoever sends it.
 */

export type Product = {
  sku: string;
  name: string;
  description: string;
  /** Kopecks. */
  priceMinor: number;
  /** The name and description a Russian page shows (`name` and `description` are the English ones). */
  ru: { name: string; description: string };
  /**
   * Set for a subscription: `priceMinor` is charged every period, starting now. Monthly only,
   * because the store's words say "a month" (words.ts); the server takes day, week and year too.
   */
  subscription?: { period: { unit: 'month'; count: 1 } };
};

export type StoreLanguage = 'ru' | 'en';

export const CATALOG: readonly Product[] = Object.freeze([
  {
    sku: 'baikal-mug',
    name: 'Baikal mug',
    description: 'Stoneware, 350 ml, glazed the colour of the lake in March.',
    priceMinor: 129_000,
    ru: { name: 'Кружка «Байкал»', description: 'Керамика, 350 мл, глазурь цвета озера в марте.' },
  },
  {
    sku: 'wool-socks',
    name: 'Wool socks',
    description: 'Knitted in Uryupinsk from local wool. One size, very warm.',
    priceMinor: 69_000,
    ru: { name: 'Шерстяные носки', description: 'Связаны в Урюпинске из местной шерсти. Один размер, очень тёплые.' },
  },
  {
    sku: 'buckthorn-tea',
    name: 'Sea-buckthorn tea',
    description: 'Altai black tea with sea-buckthorn berries, 100 g.',
    priceMinor: 45_000,
    ru: { name: 'Чай с облепихой', description: 'Алтайский чёрный чай с ягодами облепихи, 100 г.' },
  },
  {
    sku: 'baikal-tea-monthly',
    name: 'Baikal tea subscription',
    description: 'A new Baikal herbal blend by post every month, 100 g: thyme, bergenia, sagan-dalya. Cancel any time.',
    priceMinor: 49_900,
    ru: { name: 'Подписка на чай «Байкал»', description: 'Каждый месяц новый байкальский травяной сбор почтой, 100 г: чабрец, бадан, саган-дайля. Отменить можно в любой момент.' },
    subscription: { period: { unit: 'month', count: 1 } },
  },
]);

/** How many of one product a single order may hold. */
export const MAX_QTY_PER_PRODUCT = 10;

/** How many of `sku` one order may hold: one subscription, up to MAX_QTY_PER_PRODUCT of anything else. */
export const maxQtyOf = (sku: string) => (CATALOG.find((p) => p.sku === sku)?.subscription ? 1 : MAX_QTY_PER_PRODUCT);

export type OrderLine = { sku: string; name: string; qty: number; unitMinor: number; totalMinor: number };
/** `subscription`: the order is one subscription, its amount what each period costs. */
export type PricedOrder = { lines: OrderLine[]; amountMinor: number; subscription?: NonNullable<Product['subscription']> };
export type PricingError = { error: string };

/** Prices `items` from the catalog; lines of the same SKU are merged. */
export function priceOrder(items: readonly { sku: string; qty: number }[]): PricedOrder | PricingError {
  const quantities = new Map<string, number>();
  for (const { sku, qty } of items) quantities.set(sku, (quantities.get(sku) ?? 0) + qty);
  const lines: OrderLine[] = [];
  for (const [sku, qty] of quantities) {
    const product = CATALOG.find((p) => p.sku === sku);
    if (!product) return { error: `unknown product "${sku}": choose from ${CATALOG.map((p) => p.sku).join(', ')}` };
    if (!Number.isInteger(qty) || qty < 1 || qty > maxQtyOf(sku)) {
      return { error: `${product.name}: the quantity must be a whole number from 1 to ${maxQtyOf(sku)}` };
    }
    lines.push({ sku, name: product.name, qty, unitMinor: product.priceMinor, totalMinor: product.priceMinor * qty });
  }
  if (lines.length === 0) return { error: 'the cart is empty: add a product first' };
  const subscription = subscriptionIn(lines);
  if (subscription && lines.length > 1) {
    return { error: `${subscription.name} is bought on its own: order it alone, and the other products in an order of their own` };
  }
  return { lines, amountMinor: lines.reduce((sum, line) => sum + line.totalMinor, 0), ...(subscription?.subscription ? { subscription: subscription.subscription } : {}) };
}

/** The subscription among `lines`, if one is. */
export function subscriptionIn(lines: readonly { sku: string }[]): Product | undefined {
  return lines.map((l) => CATALOG.find((p) => p.sku === l.sku)).find((p) => p?.subscription);
}

/** A product's name and description in the page's language. */
export const productText = (p: Product, lang: StoreLanguage) => (lang === 'ru' ? p.ru : { name: p.name, description: p.description });

/** What the customer sees as the payment's description, in their language: "2 × Baikal mug, 1 × Wool socks". */
export const describeOrder = (lines: readonly OrderLine[], lang: StoreLanguage = 'en') =>
  lines
    .map((l) => {
      const product = CATALOG.find((p) => p.sku === l.sku);
      return `${l.qty} × ${product ? productText(product, lang).name : l.name}`;
    })
    .join(', ')
    .slice(0, 255);
