/** The card form's words: kept apart from the widget's dictionary so the frame stays small. */
export const FRAME_TEXT = {
  ru: {
    title: 'Данные карты',
    labels: { number: 'Номер карты', expiry: 'Срок действия', cvc: 'CVC' },
    expiryPlaceholder: 'ММ/ГГ',
    required: 'Введите номер карты',
    unsupported: 'Принимаем карты МИР, Visa и Mastercard',
    luhn: 'Проверьте номер карты: в нём ошибка',
    expiryFormat: 'Введите срок как ММ/ГГ',
    expired: 'Срок действия карты истёк',
    cvc: 'Три цифры на обороте карты',
    network: 'Нет связи с сервером оплаты. Попробуйте ещё раз',
    // What the server's refusals mean for the customer (its `description` is for developers).
    server: {
      number: 'Проверьте номер карты',
      expiry: 'Проверьте срок действия карты',
      cvc: 'Проверьте CVC: три цифры на обороте карты',
      gone: 'Эта страница оплаты больше не действует. Вернитесь в магазин и начните оплату заново',
      closed: 'Этот заказ уже нельзя оплатить. Вернитесь в магазин',
      tooMany: 'Слишком много попыток. Подождите минуту и попробуйте ещё раз',
      other: 'Не получилось проверить карту. Попробуйте ещё раз через минуту',
    },
  },
  en: {
    title: 'Card details',
    labels: { number: 'Card number', expiry: 'Expiry date', cvc: 'CVC' },
    expiryPlaceholder: 'MM/YY',
    required: 'Enter the card number',
    unsupported: 'We accept Mir, Visa and Mastercard',
    luhn: 'Check the card number: it has a typo',
    expiryFormat: 'Enter the expiry as MM/YY',
    expired: 'This card has expired',
    cvc: 'The three digits on the back of the card',
    network: 'Cannot reach the payment server. Please try again',
    server: {
      number: 'Check the card number',
      expiry: 'Check the expiry date',
      cvc: 'Check the CVC: the three digits on the back of the card',
      gone: 'This payment page is no longer valid. Return to the shop and start the payment again',
      closed: 'This order can no longer be paid. Return to the shop',
      tooMany: 'Too many attempts. Wait a minute and try again',
      other: 'The card could not be checked. Try again in a minute',
    },
  },
};

export type FrameText = (typeof FRAME_TEXT)['en'];
type Field = 'number' | 'expiry' | 'cvc';

/**
 * The customer's words for a refusal of the server's card endpoint, and the field they belong
 * to (null: the form as a whole), from its error `code` and `field` (`card.number`, `card.expiry_month`…).
 */
export function serverRefusal(t: FrameText, code: string | undefined, field: string | undefined): { field: Field | null; message: string } {
  if (code === 'invalid_request') {
    if (field === 'card.number') return { field: 'number', message: t.server.number };
    if (field === 'card.expiry_month' || field === 'card.expiry_year') return { field: 'expiry', message: t.server.expiry };
    if (field === 'card.cvc') return { field: 'cvc', message: t.server.cvc };
  }
  if (code === 'not_found') return { field: null, message: t.server.gone };
  if (code === 'invalid_state') return { field: null, message: t.server.closed };
  if (code === 'rate_limited') return { field: null, message: t.server.tooMany };
  return { field: null, message: t.server.other };
}
