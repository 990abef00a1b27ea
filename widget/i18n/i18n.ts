/**
 * The widget's words in Russian and English. Entries that depend on a number are functions,
 * which is how Russian plurals come out right (1 минута, 2 минуты, 5 минут).
 */
import type { SessionView, SubscriptionPeriod } from '../api/public-api';
import { formatAmount } from './money';

export type Locale = 'ru' | 'en';

/** Russian plural form: one (1, 21, 101), few (2–4, 22–24), many (0, 5–20, 25…). */
export function ruPlural(n: number, one: string, few: string, many: string): string {
  const mod10 = n % 10;
  const mod100 = n % 100;
  if (mod10 === 1 && mod100 !== 11) return one;
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return few;
  return many;
}

const en = {
  payTitle: 'Payment',
  methods: { saved_card: 'Last used card', card: 'Card', fps: 'FPS', sberpay: 'SberPay' } as Record<string, string>,
  payWithSaved: (last4: string) => `Pay with card •••• ${last4}`,
  payCard: 'Pay',
  fpsHint: 'Scan the QR code with your bank app or the camera',
  sberHint: 'Scan the QR code with the SberBank Online app',
  chooseBank: 'Choose your bank',
  searchBank: 'Bank name',
  noBank: 'No bank found',
  openSberPay: 'Open SberPay',
  sendPush: 'Send a push',
  pushSent: 'Sent: check your phone',
  phone: 'Phone number',
  copyLink: 'Copy link',
  copied: 'Copied',
  timeLeft: (minutes: number, seconds: number) =>
    minutes > 0 ? `${minutes} min ${String(seconds).padStart(2, '0')} s left` : `${seconds} s left`,
  minutesLeft: (minutes: number) => `${minutes} ${minutes === 1 ? 'minute' : 'minutes'} left to pay`,
  tryAgain: 'Try again',
  loading: 'Loading…',
  threeDs: '3-D Secure check',
  close: 'Close',
  success: 'Payment successful',
  methodSaved: 'New payment method saved',
  backToSubscription: 'Back to your subscription',
  receipt: 'Payment confirmation',
  backToShop: 'Return to the shop',
  failed: 'Payment failed',
  tryOther: 'Try another method',
  support: 'Need help? Contact the shop.',
  supportTitle: 'Shop support',
  failures: {
    card_declined: 'The bank declined the card. Try another card or another method.',
    insufficient_funds: 'Not enough money on the card.',
    authentication_failed: 'The 3-D Secure check did not pass.',
    declined_by_customer: 'The payment was declined in the bank app.',
    expired: 'Time to pay ran out.',
    cancelled: 'The shop cancelled the payment.',
    confirmation_expired: 'The shop did not confirm the payment in time.',
    order_refused: 'The shop could not accept this order.',
  } as Record<string, string>,
  expired: 'Time to pay has run out',
  startAgain: 'Start again',
  consent: 'I agree to the terms of the offer',
  offer: 'offer',
  unavailable: 'Payment is unavailable',
  showQr: 'Show the QR code',
  fpsIntro: 'Pay in your bank app: no card details needed.',
  sberIntro: 'Pay in the SberBank Online app or SberPay.',
  payFps: 'Pay via FPS',
  paySberPay: 'Pay with SberPay',
  preparing: 'Preparing the payment…',
  paying: 'Paying…',
  waitingShop: 'The shop is confirming your order. The payment will continue in a moment.',
  holdConfirming: 'The bank has approved the payment. The shop is confirming your order.',
  checking: 'Checking the payment…',
  checkingHint: 'This can take a minute. Please do not pay again: the result will appear here.',
  testMode: 'Test mode',
  rememberCard: 'Remember this card for my next purchases in this shop',
  removeCard: 'Remove this card',
  consentMissing: 'To pay, accept the offer terms above.',
  recurrentConsent: (merchant: string) => `I agree that ${merchant} may charge this card later without asking me each time`,
  recurrentConsentFps: (merchant: string) => `I agree to link my bank account: ${merchant} may take later payments through FPS without asking me each time`,
  recurrentConsentMissing: 'To pay, tick the consent to later charges above.',
  /** How often a subscription charges: "every month", "every 3 weeks". */
  every: (unit: SubscriptionPeriod['unit'], count: number) => (count === 1 ? `every ${unit}` : `every ${count} ${unit}s`),
  regularPayment: (amount: string, every: string, day: string) => `${amount} ${every}, next payment on ${day}. Cancel at any time.`,
  trialPayment: (trial: string, days: number, amount: string, every: string, day: string) =>
    `Trial: ${days} ${days === 1 ? 'day' : 'days'} for ${trial}, then ${amount} ${every} from ${day}. Cancel at any time.`,
  pushTitle: 'Or get a push on your phone',
  pushHint: 'We will send a payment request to the SberBank Online app on this number.',
  paidWith: (how: string) => `Paid ${how}`,
  byCard: (last4: string) => `by card •••• ${last4}`,
  byMethod: { fps: 'via FPS', sberpay: 'with SberPay', card: 'by card', saved_card: 'by card', recurrent: 'by card' } as Record<string, string>,
  errors: {
    network: 'No connection to the payment server. Check the internet and try again.',
    not_found: 'This payment page is no longer valid. Return to the shop and start the payment again.',
    origin_not_allowed: 'This shop cannot take payments on this page yet. Please contact the shop.',
    invalid_state: 'The payment changed meanwhile: look at its status above and try again.',
    order_check_failed: 'The shop could not check your order. Try again in a minute.',
    storage_failure: 'The payment server has a problem. Try again in a minute.',
    internal_error: 'The payment server has a problem. Try again in a minute.',
    rate_limited: 'Too many attempts. Wait a minute and try again.',
    acquirer_unavailable: 'The bank is not answering just now. Try again in a minute or choose another method.',
    other: 'Something went wrong. Try again or choose another method.',
  } as Record<string, string>,
  failedOther: 'The payment did not go through.',
};

export type Dictionary = typeof en;

const ru: Dictionary = {
  payTitle: 'Оплата',
  methods: { saved_card: 'Последняя карта', card: 'Карта', fps: 'СБП', sberpay: 'SberPay' },
  payWithSaved: (last4) => `Оплатить картой •••• ${last4}`,
  payCard: 'Оплатить',
  fpsHint: 'Отсканируйте QR-код в приложении банка или камерой телефона',
  sberHint: 'Отсканируйте QR-код в приложении СберБанк Онлайн',
  chooseBank: 'Выберите банк',
  searchBank: 'Название банка',
  noBank: 'Банк не найден',
  openSberPay: 'Открыть SberPay',
  sendPush: 'Прислать push',
  pushSent: 'Отправили: проверьте телефон',
  phone: 'Номер телефона',
  copyLink: 'Скопировать ссылку',
  copied: 'Скопировано',
  timeLeft: (minutes, seconds) =>
    minutes > 0 ? `Осталось ${minutes} мин ${String(seconds).padStart(2, '0')} с` : `Осталось ${seconds} с`,
  minutesLeft: (minutes) => `На оплату ${ruPlural(minutes, 'осталась', 'осталось', 'осталось')} ${minutes} ${ruPlural(minutes, 'минута', 'минуты', 'минут')}`,
  tryAgain: 'Повторить',
  loading: 'Загрузка…',
  threeDs: 'Проверка 3-D Secure',
  close: 'Закрыть',
  success: 'Оплата прошла',
  methodSaved: 'Новый способ оплаты сохранён',
  backToSubscription: 'Вернуться к подписке',
  receipt: 'Подтверждение оплаты',
  backToShop: 'Вернуться в магазин',
  failed: 'Оплата не прошла',
  tryOther: 'Выбрать другой способ',
  support: 'Нужна помощь? Напишите магазину.',
  supportTitle: 'Поддержка магазина',
  failures: {
    card_declined: 'Банк отклонил карту. Попробуйте другую карту или другой способ.',
    insufficient_funds: 'На карте недостаточно средств.',
    authentication_failed: 'Проверка 3-D Secure не пройдена.',
    declined_by_customer: 'Оплата отклонена в приложении банка.',
    expired: 'Время на оплату истекло.',
    cancelled: 'Магазин отменил оплату.',
    confirmation_expired: 'Магазин не подтвердил оплату вовремя.',
    order_refused: 'Магазин не смог принять этот заказ.',
  },
  expired: 'Время на оплату истекло',
  startAgain: 'Начать заново',
  consent: 'Я принимаю условия оферты',
  offer: 'оферта',
  unavailable: 'Оплата недоступна',
  showQr: 'Показать QR-код',
  fpsIntro: 'Оплата в приложении банка, без ввода карты.',
  sberIntro: 'Оплата в приложении СберБанк Онлайн или SberPay.',
  payFps: 'Оплатить через СБП',
  paySberPay: 'Оплатить через SberPay',
  preparing: 'Готовим оплату…',
  paying: 'Оплачиваем…',
  waitingShop: 'Магазин подтверждает заказ. Оплата продолжится через минуту.',
  holdConfirming: 'Банк одобрил оплату. Магазин подтверждает заказ.',
  checking: 'Проверяем платёж…',
  checkingHint: 'Это может занять минуту. Не оплачивайте повторно: результат появится здесь.',
  testMode: 'Тестовый режим',
  rememberCard: 'Запомнить карту для следующих покупок в этом магазине',
  removeCard: 'Удалить эту карту',
  consentMissing: 'Чтобы оплатить, примите условия оферты выше.',
  recurrentConsent: (merchant) => `Я согласен, что магазин «${merchant}» будет списывать оплату с этой карты без моего подтверждения`,
  recurrentConsentFps: (merchant) => `Я согласен привязать счёт: магазин «${merchant}» будет списывать оплату через СБП без моего подтверждения`,
  recurrentConsentMissing: 'Чтобы оплатить, отметьте согласие на списания выше.',
  // The browser spells the unit with its number in the right plural form (2 недели, 5 дней, 21 месяц); "каждый"
  // agrees with that number as the noun does, and a week after it is accusative: каждую неделю, каждую 21 неделю.
  every: (unit, count) => {
    const counted = new Intl.NumberFormat('ru', { style: 'unit', unit, unitDisplay: 'long' }).format(count).replace('неделя', 'неделю');
    return `${ruPlural(count, unit === 'week' ? 'каждую' : 'каждый', 'каждые', 'каждые')} ${count === 1 ? counted.slice(2) /* without the "1 " */ : counted}`;
  },
  // A day with its year ends in "г.", which ends the sentence too (no second full stop).
  regularPayment: (amount, every, day) => `${amount} ${every}, следующий платёж ${day}${day.endsWith('.') ? '' : '.'} Отменить можно в любой момент.`,
  trialPayment: (trial, days, amount, every, day) =>
    `Пробный период: ${days} ${ruPlural(days, 'день', 'дня', 'дней')} за ${trial}, затем ${amount} ${every} с ${day}${day.endsWith('.') ? '' : '.'} Отменить можно в любой момент.`,
  pushTitle: 'Или получите push на телефон',
  pushHint: 'Пришлём запрос на оплату в приложение СберБанк Онлайн на этот номер.',
  paidWith: (how) => `Оплачено ${how}`,
  byCard: (last4) => `картой •••• ${last4}`,
  byMethod: { fps: 'через СБП', sberpay: 'через SberPay', card: 'картой', saved_card: 'картой', recurrent: 'картой' },
  errors: {
    network: 'Нет связи с сервером оплаты. Проверьте интернет и попробуйте ещё раз.',
    not_found: 'Эта страница оплаты больше не действует. Вернитесь в магазин и начните оплату заново.',
    origin_not_allowed: 'Магазин пока не может принимать оплату на этой странице. Напишите в магазин.',
    invalid_state: 'Платёж изменился: посмотрите его статус и попробуйте ещё раз.',
    order_check_failed: 'Магазин не смог проверить заказ. Попробуйте через минуту.',
    storage_failure: 'На сервере оплаты сбой. Попробуйте через минуту.',
    internal_error: 'На сервере оплаты сбой. Попробуйте через минуту.',
    rate_limited: 'Слишком много попыток. Подождите минуту и попробуйте снова.',
    acquirer_unavailable: 'Банк сейчас не отвечает. Попробуйте через минуту или выберите другой способ.',
    other: 'Что-то пошло не так. Попробуйте ещё раз или выберите другой способ.',
  },
  failedOther: 'Оплата не прошла.',
};

export const DICTIONARIES: Record<Locale, Dictionary> = { ru, en };

/**
 * The words that change when the session only binds an FPS account (view.binding: nothing is
 * paid now): the same keys as a payment's, so every screen reads them from one dictionary.
 */
type BindingWords = Pick<
  Dictionary,
  | 'payTitle' | 'showQr' | 'payFps' | 'fpsIntro' | 'fpsHint' | 'chooseBank' | 'preparing' | 'minutesLeft' | 'recurrentConsentMissing'
  | 'success' | 'failed' | 'failedOther' | 'failures' | 'tryOther' | 'expired' | 'checking' | 'checkingHint'
  | 'consentMissing' | 'unavailable' | 'errors'
>;

const enBinding: BindingWords = {
  payTitle: 'Link your bank account (FPS)',
  showQr: 'Link account',
  payFps: 'Link account',
  fpsIntro: 'Link your account in your bank app: no money is taken now.',
  fpsHint: 'Scan the QR code with your bank app to link your account',
  chooseBank: 'Choose your bank to link your account',
  preparing: 'Preparing…',
  minutesLeft: (minutes) => `${minutes} ${minutes === 1 ? 'minute' : 'minutes'} left to link the account`,
  recurrentConsentMissing: 'To link the account, tick the consent above.',
  success: 'Bank account linked',
  failed: 'Bank account not linked',
  failedOther: 'The account could not be linked.',
  failures: { ...en.failures, declined_by_customer: 'Linking was declined in the bank app.', expired: 'Time to link the account ran out.', cancelled: 'The shop cancelled the account link.' },
  consentMissing: 'To link the account, accept the offer terms above.',
  unavailable: 'Account linking is unavailable',
  errors: {
    ...en.errors,
    not_found: 'This page is no longer valid. Return to the shop and start again.',
    invalid_state: 'The account link changed meanwhile: look at its status above and try again.',
    acquirer_unavailable: 'The bank is not answering just now. Try again in a minute.',
    other: 'Something went wrong. Try again.',
  },
  tryOther: en.tryAgain,
  expired: 'Time to link the account has run out',
  checking: 'Checking with the bank…',
  checkingHint: 'This can take a minute: the result will appear here.',
};

const ruBinding: BindingWords = {
  payTitle: 'Привязка счёта СБП',
  showQr: 'Привязать счёт',
  payFps: 'Привязать счёт',
  fpsIntro: 'Привязка в приложении банка, деньги сейчас не списываются.',
  fpsHint: 'Отсканируйте QR-код в приложении банка, чтобы привязать счёт',
  chooseBank: 'Выберите банк, чтобы привязать счёт',
  preparing: 'Готовим привязку…',
  minutesLeft: (minutes) => `На привязку ${ruPlural(minutes, 'осталась', 'осталось', 'осталось')} ${minutes} ${ruPlural(minutes, 'минута', 'минуты', 'минут')}`,
  recurrentConsentMissing: 'Чтобы привязать счёт, отметьте согласие выше.',
  success: 'Счёт привязан',
  failed: 'Счёт не привязан',
  failedOther: 'Привязать счёт не удалось.',
  failures: { ...ru.failures, declined_by_customer: 'Привязка отклонена в приложении банка.', expired: 'Время на привязку истекло.', cancelled: 'Магазин отменил привязку счёта.' },
  consentMissing: 'Чтобы привязать счёт, примите условия оферты выше.',
  unavailable: 'Привязка счёта недоступна',
  errors: {
    ...ru.errors,
    not_found: 'Эта страница больше не действует. Вернитесь в магазин и начните заново.',
    invalid_state: 'Привязка изменилась: посмотрите её статус и попробуйте ещё раз.',
    acquirer_unavailable: 'Банк сейчас не отвечает. Попробуйте через минуту.',
    other: 'Что-то пошло не так. Попробуйте ещё раз.',
  },
  tryOther: ru.tryAgain,
  expired: 'Время на привязку истекло',
  checking: 'Проверяем привязку…',
  checkingHint: 'Это может занять минуту: результат появится здесь.',
};

const BINDING_DICTIONARIES: Record<Locale, Dictionary> = { ru: { ...ru, ...ruBinding }, en: { ...en, ...enBinding } };

/** The dictionary for a session: a payment's words, or a binding's (view.binding) where they differ. */
export function wordsFor(locale: Locale, view: Pick<SessionView, 'binding'> | null): Dictionary {
  return (view?.binding ? BINDING_DICTIONARIES : DICTIONARIES)[locale];
}

/** The customer's words for an error code of the public API; never the server's description, which is written for developers. */
export function errorText(t: Dictionary, code: string): string {
  // An answer that is not the server's JSON (a proxy's error page, an HTML 502) means it was not reached.
  const unreachable = code === 'bad_response' || code.startsWith('http_');
  return t.errors[unreachable ? 'network' : code] ?? t.errors.other!;
}

/** The locale from the `locale` attribute, else the browser's language (Russian for Russian browsers). */
export function pickLocale(attribute: string | null | undefined, languages: readonly string[]): Locale {
  if (attribute === 'ru' || attribute === 'en') return attribute;
  return languages.some((l) => /^(ru|be|uk|kk)\b/i.test(l)) ? 'ru' : 'en';
}

/**
 * The regular-payment notice of a subscription's first payment: the amount each period, how often,
 * the next payment's day (with its year only when that is not this year) and that it can be cancelled.
 */
export function regularPaymentText(t: Dictionary, locale: Locale, s: NonNullable<SessionView['subscription']>): string {
  // On the customer's own calendar (Intl's default time zone), since it is their day the charge falls on.
  const day = new Date(s.next_payment_at);
  const year = day.getFullYear() === new Date().getFullYear() ? undefined : 'numeric';
  // No-break spaces: "1 января 2027 г." is never split across lines.
  const when = new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'long', year }).format(day).replace(/ /g, '\u00a0');
  const amount = formatAmount(s.amount_details.amount, s.amount_details.currency, locale);
  if (s.trial) return t.trialPayment(formatAmount(s.trial.amount_details.amount, s.trial.amount_details.currency, locale), s.trial.days, amount, t.every(s.period.unit, s.period.count), when);
  return t.regularPayment(amount, t.every(s.period.unit, s.period.count), when);
}

export { formatAmount } from './money';
