/**
 * The demo store's words in Russian and English: the server-rendered page (shop-page.ts) and its
 * script (store-page.ts) read the same dictionary, so the page, its script and the widget in it
 * (`locale` = the page's `lang`) speak one language.
 */
import type { StoreLanguage } from './catalog';

/** Russian's three plural forms of a count (1 месяц, 2 месяца, 5 месяцев; 21 месяц). */
const ruPlural = (n: number, one: string, few: string, many: string) => ({ one, few, many })[new Intl.PluralRules('ru').select(n) as 'one' | 'few' | 'many'] ?? many;

/** Ends a sentence with its full stop, unless a date ends it with one already ("1 января 2027 г."). */
const sentence = (text: string) => (text.endsWith('.') ? text : `${text}.`);

const en = {
  title: 'Baikal Goods · sg-checkout demo store',
  heading: 'Baikal Goods: gifts from Lake Baikal',
  sandbox: 'Sandbox: no real money',
  consoleLink: 'Developer console',
  docsLink: 'API reference',
  language: 'Language',
  products: 'Products',
  addToCart: 'Add to cart',
  /** On a product's button once the cart holds all an order may take of it. */
  inCart: 'In the cart',
  cart: 'Cart',
  cartEmpty: 'Empty. Add something you like.',
  total: 'Total',
  checkout: 'Checkout',
  payment: 'Payment',
  newOrder: 'Start a new order',
  oneLess: (name: string) => `One less ${name}`,
  oneMore: (name: string) => `One more ${name}`,
  storeDown: 'The store is not answering: try again in a moment.',
  /** The widget below shows the amount: the summary does not repeat it. */
  orderSummary: (orderId: string) => `Order ${orderId}, priced by the store's backend`,
  nothingToPay: 'Nothing to pay for this order: see its status above. Start a new order to buy again.',
  status: {
    awaiting_payment: 'Awaiting payment.',
    paid: 'Paid: the store received a verified payment_finished webhook. Thank you!',
    partlyRefunded: (amount: string) => `Paid; ${amount} refunded.`,
    refunded: 'Refunded: the store received a verified payment_refunded webhook.',
    cancelled: 'Cancelled: the payment session ended unpaid.',
  },
  /** A subscription's price on its card: what each month costs. */
  perMonth: (price: string) => `${price} a month`,
  /** The same, in the cart's narrow column. */
  perMonthShort: (price: string) => `${price} / month`,
  subscribe: 'Subscribe',
  /** Why the checkout is off while the cart holds a subscription and other goods (catalog.ts says why). */
  subscriptionAlone: 'A subscription is bought on its own: keep either the subscription or the other goods in the cart, and order the rest next.',
  /** The order's status once its subscription's first payment is in. Dates are the customer's, amounts formatted. */
  subscription: {
    starting: 'Payment received: your subscription starts in a moment.',
    active: 'Your subscription is active.',
    pastDue: 'The last payment did not go through.',
    ending: (date: string) => `Cancelled: your subscription ends on ${date}, with no further payments.`,
    ended: (date: string) => `Your subscription ended on ${date}.`,
    paid: (months: number, date: string) => `${months === 1 ? '1 month' : `${months} months`} paid, the last payment on ${date}.`,
    next: (amount: string, date: string) => `Next payment: ${amount} on ${date}.`,
    retry: (date: string) => `We will try again on ${date}.`,
    manage: 'Manage your subscription: payments, cancel',
    page: 'Your subscription’s page',
  },
};

export type StoreWords = typeof en;

const ru: StoreWords = {
  title: 'Baikal Goods · демо-магазин sg-checkout',
  heading: 'Baikal Goods: подарки с Байкала',
  sandbox: 'Песочница: деньги не настоящие',
  consoleLink: 'Консоль разработчика',
  docsLink: 'Справочник API',
  language: 'Язык',
  products: 'Товары',
  addToCart: 'В корзину',
  inCart: 'В корзине',
  cart: 'Корзина',
  cartEmpty: 'Пусто. Добавьте то, что нравится.',
  total: 'Итого',
  checkout: 'Оформить заказ',
  payment: 'Оплата',
  newOrder: 'Начать новый заказ',
  oneLess: (name) => `На одну меньше: ${name}`,
  oneMore: (name) => `На одну больше: ${name}`,
  storeDown: 'Магазин не отвечает: попробуйте через минуту.',
  orderSummary: (orderId) => `Заказ ${orderId}, цену посчитал сервер магазина`,
  nothingToPay: 'По этому заказу платить нечего: его статус выше. Чтобы купить снова, начните новый заказ.',
  status: {
    awaiting_payment: 'Ждём оплату.',
    paid: 'Оплачено: магазин получил проверенный вебхук payment_finished. Спасибо!',
    partlyRefunded: (amount) => `Оплачено; возвращено ${amount}.`,
    refunded: 'Возвращено: магазин получил проверенный вебхук payment_refunded.',
    cancelled: 'Отменено: сессия оплаты закончилась без оплаты.',
  },
  perMonth: (price) => `${price} в месяц`,
  perMonthShort: (price) => `${price} / мес.`,
  subscribe: 'Оформить подписку',
  subscriptionAlone: 'Подписка оформляется отдельно от других товаров: оставьте в корзине либо подписку, либо товары, а остальное закажите следующим заказом.',
  subscription: {
    starting: 'Платёж получен: подписка вот-вот начнётся.',
    active: 'Подписка активна.',
    pastDue: 'Последний платёж не прошёл.',
    ending: (date) => `Подписка отменена: она закончится ${date}, больше списаний не будет.`,
    ended: (date) => sentence(`Подписка закончилась ${date}`),
    paid: (months, date) => sentence(`${ruPlural(months, `Оплачен ${months} месяц`, `Оплачено ${months} месяца`, `Оплачено ${months} месяцев`)}, последний платёж ${date}`),
    next: (amount, date) => sentence(`Следующий платёж ${amount} — ${date}`),
    retry: (date) => sentence(`Попробуем списать снова ${date}`),
    manage: 'Управление подпиской: платежи, отмена',
    page: 'Страница подписки',
  },
};

export const STORE_WORDS: Record<StoreLanguage, StoreWords> = { ru, en };
