/** The sandbox phone's words in Russian. */
import { ruPlural } from '../../../widget/i18n/i18n';
import type { PhoneWords } from './en';

/** Why a payment failed, by its failure code (the server describes it in English only). */
const FAILURES: Record<string, string> = {
  card_declined: 'банк отклонил карту',
  insufficient_funds: 'на карте недостаточно денег',
  authentication_failed: 'проверка 3-D Secure не пройдена',
  declined_by_customer: 'покупатель отклонил платёж в приложении банка',
  abandoned: 'покупатель закрыл страницу 3-D Secure',
  expired: 'время на оплату истекло',
  cancelled: 'магазин отменил платёж',
  confirmation_expired: 'магазин не подтвердил платёж вовремя',
  declined: 'платёж отклонён',
};

export const ru: PhoneWords = {
  frame: {
    title: 'Телефон покупателя',
    badge: 'Песочница',
    intro: 'Выберите способ оплаты в форме. Этот телефон покажет, как покупатель завершает оплату.',
    testCards: 'Тестовые карты',
    anyExpiry: 'Любой будущий срок действия, любой CVC.',
    pushInbox: 'Входящие push',
    console: 'Консоль',
  },
  cards: {
    success: 'оплата сразу',
    challenge: 'запросит 3\u2011D\u00a0Secure', // a non-breaking hyphen and space: one line in the narrow list
    decline: 'банк отклонит',
    insufficient_funds: 'недостаточно денег',
    recurring_decline: 'оплата сразу, продления подписки отклонит',
  },
  idle: {
    cardLabel: 'Банковская карта: ',
    cardHint: 'введите тестовую карту из списка ниже.',
    qrLabel: 'СБП или SberPay (что предложит форма): ',
    qrHint: 'в форме появится QR-код; этот телефон отсканирует его за вас.',
  },
  fps: {
    title: 'СБП: отсканируйте QR-код',
    intro: 'Покупатель сканирует QR-код приложением своего банка. Сыграйте роль этого банка:',
    openBank: 'Открыть банк песочницы для этого QR-кода',
    bankListTitle: 'Список банков, как его видит телефон',
    bankListHint: 'На телефоне форма показывает вместо QR-кода список банков; каждый открывает своё приложение с этим платежом.',
    loadingBanks: 'Загружаем банки…',
    banksUnavailable: 'Список банков сейчас недоступен.',
    findBank: 'Найдите свой банк',
    bankCount: (n) => (n === 0 ? 'Банк не найден' : `${n} ${ruPlural(n, 'банк', 'банка', 'банков')}`),
    onPhone: (deepLink) => `На телефоне: ${deepLink}`,
  },
  sberpay: {
    intro: 'На компьютере покупатель сканирует QR-код, на телефоне форма открывает приложение SberPay. В обоих случаях:',
    openApp: 'Открыть приложение SberPay',
    pushLands: (inbox) => ['Уведомление push, отправленное из формы, появится во ', inbox('входящих push'), '.'],
  },
  threeDs:
    'Банк карты просит покупателя подтвердить оплату. Его страница в песочнице открыта в форме: нажмите там «Подтвердить кодом», чтобы оплатить, или «Отклонить», чтобы увидеть отказ.',
  answer: {
    pay: 'Оплатить',
    decline: 'Отклонить',
    prompt: 'Или ответьте за банк прямо здесь:',
    noAnswer: 'Песочница не ответила: сервер запущен?',
    refused: (status) => `Песочница не приняла ответ (HTTP ${status}).`,
  },
  awaitingMerchant: 'Платёж ждёт подтверждения магазина (ручное подтверждение).',
  processing: 'Банк обрабатывает платёж…',
  paid: '✓ Оплачено.',
  paidHint: 'Магазин отмечает заказ оплаченным, когда его сервер получает проверенный вебхук payment_finished: смотрите статус заказа.',
  notPaid: (code) => `Не оплачено: ${FAILURES[code] ?? `отказ с кодом ${code}`}.`,
  tryAnother: 'Чтобы попробовать снова, выберите другой способ в форме.',
  closed: { cancelled: 'Сессия оплаты отменена.', error: 'Сессия оплаты закончилась ошибкой.' },
  startAgain: 'Чтобы попробовать снова, начните новый заказ.',
};
