import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { fromAcceptLanguage, pageLanguage, type PageLanguage } from '../../server/pages/language';

test('Accept-Language: the best-ranked language we speak wins, by q-value, not by position', () => {
  assert.equal(fromAcceptLanguage('en-US,en;q=0.9,ru;q=0.8'), 'en');
  assert.equal(fromAcceptLanguage('ru;q=0.8,en-US;q=0.9'), 'en');
  assert.equal(fromAcceptLanguage('en;q=0.5, uk'), 'ru', 'Ukrainian ranks first: Russian family');
  assert.equal(fromAcceptLanguage('de-DE,de;q=0.9,en;q=0.7,ru;q=0.6'), 'en', 'German is not spoken: the next one');
  assert.equal(fromAcceptLanguage('ru-RU,ru;q=0.9,en;q=0.8'), 'ru');
  assert.equal(fromAcceptLanguage('en;q=0, ru;q=0.1'), 'ru', 'q=0 means not acceptable');
  assert.equal(fromAcceptLanguage('fr, *;q=0.5'), null);
  assert.equal(fromAcceptLanguage(undefined), null);
  assert.equal(fromAcceptLanguage('garbage;;;,'), null);
});

test('a page follows the merchant\'s fixed language, else ?lang=, else Accept-Language, else Russian', async () => {
  const app = new Hono();
  let fixed: PageLanguage | null = null;
  app.get('/p', (c) => c.text(pageLanguage(c, fixed)));
  const lang = async (path: string, acceptLanguage?: string) =>
    (await app.request(path, acceptLanguage ? { headers: { 'accept-language': acceptLanguage } } : {})).text();
  assert.equal(await lang('/p'), 'ru');
  assert.equal(await lang('/p', 'fr'), 'ru');
  assert.equal(await lang('/p', 'en-GB,en;q=0.9'), 'en');
  assert.equal(await lang('/p?lang=ru', 'en-GB'), 'ru');
  assert.equal(await lang('/p?lang=de', 'en-GB'), 'en', 'an unknown lang is ignored');
  fixed = 'en';
  assert.equal(await lang('/p?lang=ru', 'ru'), 'en', 'the merchant fixed English');
});
