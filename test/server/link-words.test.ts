/** The link page's hint and error words (widget/link-page/link-words.ts), as hosted-pages.ts renders them per language. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkoutError, missingHint, type LinkWords } from '../../widget/link-page/link-words';
import { createLink, startHarness } from './helpers';

/** The words a link page carries in `data-words`, read back as its script reads them. */
async function wordsOf(lang: string): Promise<LinkWords> {
  const h = await startHarness();
  try {
    const link = await createLink(h, { order_check_url: undefined });
    const html = await (await h.app.request(`/l/${link.id}`, { headers: { 'accept-language': lang } })).text();
    const attr = html.match(/data-words="([^"]*)"/)![1]!;
    return JSON.parse(attr.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as LinkWords;
  } finally {
    await h.close();
  }
}

test('the hint names what is missing, in the page\'s language, and is empty when nothing is', async () => {
  const ru = await wordsOf('ru');
  assert.equal(missingHint(ru, ru.fields, false), 'Заполните «Telegram username», «Email for the receipt» и примите условия оферты');
  assert.equal(missingHint(ru, [ru.fields[1]!], true), 'Заполните «Email for the receipt»');
  assert.equal(missingHint(ru, [], false), 'Примите условия оферты');
  assert.equal(missingHint(ru, [], true), '');
  const en = await wordsOf('en');
  assert.equal(missingHint(en, en.fields, false), 'Fill in Telegram username, Email for the receipt and accept the offer');
});

test('a failed checkout gets the customer\'s words for its code, never the server\'s description', async () => {
  const ru = await wordsOf('ru');
  const description = 'session ps_123 already has a payment in progress: wait for it';
  const said = (error: { code?: string; field?: string; description?: string } | undefined) => checkoutError(ru, error);
  assert.equal(said(undefined), 'Нет связи с сервером. Попробуйте ещё раз.');
  assert.match(said({ code: 'invalid_init_data', description: 'Telegram initData refused: bad hash' }), /аккаунт Telegram/);
  assert.match(said({ code: 'not_found', description }), /Ссылка на оплату не найдена/);
  assert.match(said({ code: 'invalid_request', field: 'consent', description }), /Примите условия оферты/);
  assert.equal(said({ code: 'invalid_request', field: 'fields.1', description }), 'Проверьте поле «Email for the receipt»: оно не заполнено или слишком длинное.');
  for (const error of [{ code: 'invalid_state', description }, { code: 'internal_error', description }, { code: 'invalid_request', field: 'fields.9', description }, {}]) {
    const text = said(error);
    assert.equal(text, 'Не удалось перейти к оплате. Попробуйте ещё раз через минуту.');
    assert.ok(!text.includes('ps_'));
  }
});
