/**
 * List managers' refusals of a post in the languages their lists are set to (src/bounces/parse/list-refusal.ts): known
 * by who wrote them and by a title that says "refused", whatever the language of the rest. Written from mlmmj's and
 * Sympa's translated templates as session 50's probe saw them sent, with made-up addresses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBounce } from '../../../src/bounces/parse/index.js';
import { noticeCases } from '../../helpers/notice-cases.js';

const lines = (...l: string[]): Buffer => Buffer.from([...l, ''].join('\r\n'));
const utf8Subject = (s: string): string => `=?utf-8?b?${Buffer.from(s).toString('base64')}?=`;

/** mlmmj's notice to a poster, from `<list>+owner@`, the post attached below its text. */
const mlmmj = (list: string, subject: string, text: string[]): Buffer =>
  lines(
    `From: ${list.replace('@', '+owner@')}`,
    'To: ann@shop.example',
    `Subject: ${utf8Subject(subject)}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="=_m_="',
    '',
    '--=_m_=',
    'Content-Type: text/plain; charset=utf8',
    'Content-Transfer-Encoding: 8bit',
    '',
    ...text,
    '',
    '--=_m_=',
    'Content-Type: message/rfc822',
    '',
    'From: Ann <ann@shop.example>',
    `To: ${list}`,
    'Subject: Price list',
    '',
    'Hello',
    '--=_m_=--',
  );

/** Sympa's notice to a post's author, from `<list>-request@`, marked by its X-Mailer. */
const sympa = (list: string, subject: string, text: string[]): Buffer =>
  lines(
    `From: ${list.replace('@', '-request@')}`,
    'To: ann@shop.example',
    `Subject: ${utf8Subject(subject)}`,
    'Auto-Submitted: auto-generated',
    'X-Mailer: Sympa 6.2.70',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset="UTF-8"',
    'Content-Transfer-Encoding: 8bit',
    '',
    ...text,
  );

noticeCases([
  {
    name: 'mlmmj in French: a non-subscriber\'s post refused ("Message à <list> refusé")',
    mail: mlmmj('ventes@lists.example', 'Message à ventes@lists.example refusé : Price list', [
      "Hi, c'est le programme Mlmmj gérant la liste <ventes@lists.example>.",
      '',
      'Le message de <ann@shop.example> ayant pour sujet "Price list" n\'a',
      "pas pu être délivré à la liste parce que vous n'êtes pas un inscrit de la",
      'liste.',
    ]),
    recipients: ['ventes@lists.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'mlmmj in Chinese: a refused post ("的邮件被拒绝")',
    mail: mlmmj('xiaoshou@lists.example', '发往 xiaoshou@lists.example 的邮件被拒绝：Price list', [
      '嗨，我是管理 <xiaoshou@lists.example> 邮件列表的 Mlmmj 程序。',
      '',
      '来自 <ann@shop.example> 题为《Price list》的邮件无法投递到列表，',
      '因为您不是列表订户。',
    ]),
    recipients: ['xiaoshou@lists.example'],
    category: 'policy',
    hard: false,
  },
  {
    name: 'Sympa in Russian: the moderator rejected the post ("Ваше сообщение было отвергнуто")',
    mail: sympa('prodazhi@lists.example', 'Ваше сообщение было отвергнуто.', [
      'Ваше сообщение в рассылку prodazhi@lists.example было отвергнуто модератором',
      '(mod@lists.example).',
      '',
      '(Тема вашего письма: Price list)',
      '',
      'Проверить использование рассылки prodazhi:',
      'http://lists.example/wws/info/prodazhi',
    ]),
    recipients: ['prodazhi@lists.example'],
    category: 'policy',
    hard: false,
  },
]);

test('mlmmj\'s notice that a post waits for its moderators ("En attente de réponse") refuses nothing', async () => {
  const r = await parseBounce(
    mlmmj('ventes@lists.example', 'En attente de réponse à ventes@lists.example: Price list', [
      "Hi, c'est le programme Mlmmj gérant la liste <ventes@lists.example>.",
      '',
      'Le message de <ann@shop.example> ayant pour sujet "Price list" a',
      'été soumis à la liste. Cependant il a été demandé aux modérateurs de le',
      "contrôler avant de le délivrer à la liste parce que c'est une liste modérée.",
    ]),
  );
  assert.equal(r.kind, 'not-a-bounce');
});

test("a person's mail titled \"rejected\", with no list manager's mark, is not read as a list's refusal", async () => {
  const r = await parseBounce(
    lines(
      'From: Bob <bob-request@partner.example>',
      'To: ann@shop.example',
      'Subject: Your proposal was rejected',
      '',
      'Hi Ann, the committee rejected the proposal for bob at its meeting.',
    ),
  );
  assert.equal(r.kind, 'not-a-bounce');
});
