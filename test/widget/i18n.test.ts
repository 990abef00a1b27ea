import { expect } from '@open-wc/testing';
import { DICTIONARIES, formatAmount, pickLocale, ruPlural } from '../../widget/i18n/i18n';

describe('i18n', () => {
  it('uses the right Russian plural of минута for 1, 2, 5, 11, 21, 22, 25 and more', () => {
    const forms = (n: number) => ruPlural(n, 'минута', 'минуты', 'минут');
    const expected: Array<[number, string]> = [
      [0, 'минут'], [1, 'минута'], [2, 'минуты'], [4, 'минуты'], [5, 'минут'], [11, 'минут'], [12, 'минут'], [14, 'минут'],
      [21, 'минута'], [22, 'минуты'], [25, 'минут'], [101, 'минута'], [111, 'минут'], [112, 'минут'], [122, 'минуты'],
    ];
    expect(expected.map(([n]) => [n, forms(n)])).to.deep.equal(expected);
  });

  it('announces the minutes left in whole, agreeing Russian sentences', () => {
    const ru = DICTIONARIES.ru.minutesLeft;
    expect(ru(1)).to.equal('На оплату осталась 1 минута');
    expect(ru(2)).to.equal('На оплату осталось 2 минуты');
    expect(ru(5)).to.equal('На оплату осталось 5 минут');
    expect(ru(11)).to.equal('На оплату осталось 11 минут');
    expect(ru(21)).to.equal('На оплату осталась 21 минута');
    expect(ru(22)).to.equal('На оплату осталось 22 минуты');
    expect(ru(25)).to.equal('На оплату осталось 25 минут');
    expect(DICTIONARIES.en.minutesLeft(1)).to.equal('1 minute left to pay');
    expect(DICTIONARIES.en.minutesLeft(2)).to.equal('2 minutes left to pay');
  });

  it('shows the visible countdown as minutes and zero-padded seconds', () => {
    expect(DICTIONARIES.ru.timeLeft(4, 5)).to.equal('Осталось 4 мин 05 с');
    expect(DICTIONARIES.ru.timeLeft(0, 42)).to.equal('Осталось 42 с');
    expect(DICTIONARIES.en.timeLeft(4, 5)).to.equal('4 min 05 s left');
    expect(DICTIONARIES.en.timeLeft(0, 9)).to.equal('9 s left');
  });

  it('picks Russian for Russian-speaking browsers and lets the locale attribute win', () => {
    expect(pickLocale(null, ['ru-RU', 'en-US'])).to.equal('ru');
    expect(pickLocale('', ['ru'])).to.equal('ru');
    expect(pickLocale(undefined, ['en-GB', 'ru'])).to.equal('ru');
    expect(pickLocale(null, ['be-BY'])).to.equal('ru');
    expect(pickLocale(null, ['kk-KZ'])).to.equal('ru');
    expect(pickLocale(null, ['en-US', 'de'])).to.equal('en');
    expect(pickLocale(null, [])).to.equal('en');
    expect(pickLocale('en', ['ru-RU'])).to.equal('en');
    expect(pickLocale('ru', ['en-US'])).to.equal('ru');
    // Not a locale the widget speaks: the browser decides.
    expect(pickLocale('de', ['ru-RU'])).to.equal('ru');
    // "rue" (Rusyn) is not Russian.
    expect(pickLocale(null, ['rue'])).to.equal('en');
  });

  it('formats roubles in Russian with a narrow no-break space between thousands and a no-break space before ₽', () => {
    expect(formatAmount(149_900, 'RUB', 'ru')).to.equal('1\u202f499,00\u00a0₽');
    expect(formatAmount(100, 'RUB', 'ru')).to.equal('1,00\u00a0₽');
    expect(formatAmount(5, 'RUB', 'ru')).to.equal('0,05\u00a0₽');
    expect(formatAmount(123_456_789, 'RUB', 'ru')).to.equal('1\u202f234\u202f567,89\u00a0₽');
  });

  it('formats amounts in English with comma thousands and the sign after, as Russian prices are written', () => {
    expect(formatAmount(149_900, 'RUB', 'en')).to.equal('1,499.00\u00a0₽');
    expect(formatAmount(123_456_789, 'RUB', 'en')).to.equal('1,234,567.89\u00a0₽');
    expect(formatAmount(99, 'RUB', 'en')).to.equal('0.99\u00a0₽');
    expect(formatAmount(1_000, 'USD', 'en')).to.equal('10.00\u00a0USD');
  });

  it('has every word in both languages', () => {
    expect(Object.keys(DICTIONARIES.ru).sort()).to.deep.equal(Object.keys(DICTIONARIES.en).sort());
    expect(Object.keys(DICTIONARIES.ru.methods).sort()).to.deep.equal(['card', 'fps', 'saved_card', 'sberpay']);
  });
});
