/** The card form's words: kept apart from the widget's dictionary so the frame stays small. */
export const FRAME_TEXT = {
  ru: {
    labels: { number: 'Номер карты', expiry: 'Срок действия', cvc: 'CVC' },
    expiryPlaceholder: 'ММ/ГГ',
    required: 'Введите номер карты',
    unsupported: 'Принимаем карты МИР, Visa и Mastercard',
    luhn: 'Проверьте номер карты: в нём ошибка',
    expiryFormat: 'Введите срок как ММ/ГГ',
    expired: 'Срок действия карты истёк',
    cvc: 'Три цифры на обороте карты',
    network: 'Нет связи с сервером оплаты. Попробуйте ещё раз',
  },
  en: {
    labels: { number: 'Card number', expiry: 'Expiry date', cvc: 'CVC' },
    expiryPlaceholder: 'MM/YY',
    required: 'Enter the card number',
    unsupported: 'We accept Mir, Visa and Mastercard',
    luhn: 'Check the card number: it has a typo',
    expiryFormat: 'Enter the expiry as MM/YY',
    expired: 'This card has expired',
    cvc: 'The three digits on the back of the card',
    network: 'Cannot reach the payment server. Please try again',
  },
};
