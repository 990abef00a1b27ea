/**
 * The demo store's words in Russian and English: the server-rendered page (shop-page.ts) and its
 * script (store-page.ts) read the same dictionary, so the page, its script and the widget in it
 * (`locale` = the page's `lang`) speak one language.
 */
import type { StoreLanguage } from './catalog';

const en = {
  title: 'Baikal Goods · sg-checkout demo store',
  heading: 'Baikal Goods: gifts from Lake Baikal',
  sandbox: 'Sandbox: no real money',
  consoleLink: 'Developer console',
  docsLink: 'API reference',
  language: 'Language',
  products: 'Products',
  addToCart: 'Add to cart',
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
};

export const STORE_WORDS: Record<StoreLanguage, StoreWords> = { ru, en };
