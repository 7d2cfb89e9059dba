/**
 * Notices in other languages (issue 16): Gmail's and Google Workspace's notices follow the sender's UI
 * language, Exchange / Office 365 NDRs the organisation's, and many providers write only in their own. Each
 * case is written here from a format's structure and its localized wording, with made-up addresses and
 * replies: the localized heading or subject as the vendor writes it (its source in the case), usually the
 * remote server's English reply inside, in the charset and transfer encoding the MTA sends, and localized
 * subjects as RFC 2047 encoded-words. Each notice is read twice: with its delivery-status part (as sent), and
 * as the human-readable part alone (as it arrives when a client or a forwarder keeps only the text).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDecoder } from 'node:util';
import { parseBounceSync } from '../../../src/bounces/parse/index.js';
import { EXIM_PERMANENT_OPENING } from '../../helpers/notice-text.js';

const VERP = 'To: b+7-f00d@bounces.shop.example';

// --- Encoders built from Node's own decoders (no dependency): each charset's table, reversed. ---------
const tables = new Map<string, Map<string, number[]>>();
function table(charset: string): Map<string, number[]> {
  const known = tables.get(charset);
  if (known) return known;
  const dec = new TextDecoder(charset === 'iso-2022-jp' ? 'euc-jp' : charset);
  const map = new Map<string, number[]>();
  const add = (bytes: number[]) => {
    const ch = dec.decode(Uint8Array.from(bytes));
    if (ch.length === 1 && ch !== '\ufffd' && !map.has(ch)) map.set(ch, bytes);
  };
  for (let b = 0x80; b <= 0xff; b++) add([b]);
  if (charset === 'shift_jis') {
    for (let lead = 0x81; lead <= 0xfc; lead++) if (lead <= 0x9f || lead >= 0xe0) for (let trail = 0x40; trail <= 0xfc; trail++) add([lead, trail]);
  } else if (!['iso-8859-1', 'koi8-r', 'windows-1251', 'windows-1252'].includes(charset))
    for (let lead = 0xa1; lead <= 0xfe; lead++) for (let trail = 0xa1; trail <= 0xfe; trail++) add([lead, trail]);
  tables.set(charset, map);
  return map;
}

/** `text` in `charset` (ISO-2022-JP: its JIS X 0208 runs between ESC $ B and ESC ( B). */
function encode(text: string, charset: string): Buffer {
  if (charset === 'utf-8') return Buffer.from(text, 'utf8');
  const map = table(charset);
  const out: number[] = [];
  let jis = false;
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) {
      if (jis) out.push(0x1b, 0x28, 0x42), (jis = false);
      out.push(ch.charCodeAt(0));
      continue;
    }
    const bytes = map.get(ch);
    if (!bytes) throw new Error(`${charset} has no ${ch}`);
    if (charset === 'iso-2022-jp') {
      if (!jis) out.push(0x1b, 0x24, 0x42), (jis = true);
      out.push(...bytes.map((b) => b & 0x7f));
    } else out.push(...bytes);
  }
  if (jis) out.push(0x1b, 0x28, 0x42);
  return Buffer.from(out);
}

/** An RFC 2047 encoded-word: `=?charset?B?…?=` (`label`: the charset's name as the mail writes it). */
const word = (text: string, charset: string, label = charset) => `=?${label.toUpperCase()}?B?${encode(text, charset).toString('base64')}?=`;

/** Quoted-printable of bytes, lines of at most 76 characters. */
function qp(bytes: Buffer): string {
  const lines: string[] = [];
  for (const line of bytes.toString('latin1').split('\n')) {
    let out = '';
    let len = 0;
    for (const ch of line) {
      const c = ch.charCodeAt(0);
      const piece = c === 0x3d || c > 0x7e || (c < 0x20 && c !== 0x09) ? `=${c.toString(16).toUpperCase().padStart(2, '0')}` : ch;
      if (len + piece.length > 75) (out += '=\n'), (len = 0);
      out += piece;
      len += piece.length;
    }
    lines.push(out);
  }
  return lines.join('\n');
}

type Cte = 'base64' | 'quoted-printable' | '8bit' | '7bit';

/** A body in a charset and transfer encoding. */
function body(text: string, charset: string, cte: Cte): string {
  const bytes = encode(text, charset);
  if (cte === 'base64') return bytes.toString('base64').replace(/.{76}/g, '$&\n');
  if (cte === 'quoted-printable') return qp(bytes);
  return bytes.toString('latin1');
}

interface Human {
  text: string;
  charset: string;
  cte: Cte;
}

/** A multipart/report: the human-readable part, then the delivery-status fields (one recipient). */
function report(headers: string[], human: Human, dsn: string[]): Buffer {
  const b = '==b0undary==';
  const lines = [
    ...headers,
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${b}"`,
    '',
    `--${b}`,
    `Content-Type: text/plain; charset=${human.charset}`,
    `Content-Transfer-Encoding: ${human.cte}`,
    '',
    body(human.text, human.charset, human.cte),
    `--${b}`,
    'Content-Type: message/delivery-status',
    '',
    ...dsn,
    '',
    `--${b}`,
    'Content-Type: text/rfc822-headers',
    '',
    'From: news@shop.example',
    'To: someone@dest.example',
    'Subject: Your order',
    '',
    `--${b}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n').replace(/\r?\n/g, '\r\n'), 'latin1');
}

/** The human-readable part alone, as the top-level body. */
function plain(headers: string[], human: Human): Buffer {
  const lines = [
    ...headers,
    'MIME-Version: 1.0',
    `Content-Type: text/plain; charset=${human.charset}`,
    `Content-Transfer-Encoding: ${human.cte}`,
    '',
    body(human.text, human.charset, human.cte),
    '',
  ];
  return Buffer.from(lines.join('\r\n').replace(/\r?\n/g, '\r\n'), 'latin1');
}

const dsnFields = (to: string, status: string, action: string, diagnostic: string, mta = 'dns; mail.sender.example') => [
  `Reporting-MTA: ${mta}`,
  '',
  `Final-Recipient: rfc822; ${to}`,
  `Action: ${action}`,
  `Status: ${status}`,
  'Remote-MTA: dns; mx.dest.example',
  `Diagnostic-Code: smtp; ${diagnostic}`,
];

interface Case {
  /** Language, format, and where its wording comes from. */
  format: string;
  subject: string;
  from: string;
  human: Human;
  to: string;
  status: string;
  diagnostic: string;
  kind: 'bounce' | 'delay';
  hard: boolean;
  category?: string;
  /** The text alone has no recipient the parser can find (say why): only the report form is checked. */
  reportOnly?: string;
}

const GMAIL_FROM = 'From: Mail Delivery Subsystem <mailer-daemon@googlemail.example>';
const GMAIL_SUBJECT = 'Delivery Status Notification (Failure)';
const USER_UNKNOWN = `550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces.`;

/**
 * Gmail's notice: the localized heading between "** … **", the address, then the remote server's reply
 * as it gave it (English). Headings: Gmail's localized notices as issue 16's brief quotes them.
 */
const gmail = (heading: string, to: string, reply: string) => [`** ${heading} **`, '', to, '', reply, ''].join('\n');

const GMAIL: Array<[string, string, string, Cte, string]> = [
  ['English', 'Address not found', 'utf-8', '7bit', 'en@dest.example'],
  ['French', 'Adresse introuvable', 'utf-8', 'quoted-printable', 'luc.martin@dest.example'],
  ['German', 'Adresse nicht gefunden', 'utf-8', 'quoted-printable', 'anna.schmidt@dest.example'],
  ['Spanish', 'Dirección no encontrada', 'utf-8', 'base64', 'ana.garcia@dest.example'],
  ['Italian', 'Indirizzo non trovato', 'utf-8', 'quoted-printable', 'marco.rossi@dest.example'],
  ['Portuguese', 'Endereço não encontrado', 'utf-8', 'base64', 'joao.silva@dest.example'],
  ['Russian', 'Адрес не найден', 'utf-8', 'base64', 'ivan.petrov@dest.example'],
  ['Russian, KOI8-R', 'Адрес не найден', 'koi8-r', '8bit', 'olga.ivanova@dest.example'],
  ['Japanese', 'アドレスが見つかりませんでした', 'utf-8', 'base64', 'taro.yamada@dest.example'],
  ['Japanese, ISO-2022-JP', 'アドレスが見つかりませんでした', 'iso-2022-jp', '7bit', 'hanako.sato@dest.example'],
  ['Chinese', '找不到地址', 'utf-8', 'base64', 'li.wei@dest.example'],
  ['Chinese, GB2312', '找不到地址', 'gb2312', 'base64', 'wang.fang@dest.example'],
];

const CASES: Case[] = [
  ...GMAIL.map(
    ([lang, heading, charset, cte, to]): Case => ({
      format: `Gmail, ${lang}: "** ${heading} **", the remote reply in English`,
      subject: GMAIL_SUBJECT,
      from: GMAIL_FROM,
      human: { text: gmail(heading, to, USER_UNKNOWN), charset, cte },
      to,
      status: '5.1.1',
      diagnostic: USER_UNKNOWN,
      kind: 'bounce',
      hard: true,
      category: 'mailbox-unknown',
    }),
  ),
  ...GMAIL.slice(0, 8).map(([lang, heading, charset, cte]): Case => {
    const to = `q.${lang.toLowerCase().replace(/\W+/g, '')}@dest.example`;
    return {
      format: `Gmail, ${lang}: "** ${heading} **" alone, the remote reply quoting no address and no status (the heading is the reason)`,
      subject: GMAIL_SUBJECT,
      from: GMAIL_FROM,
      human: { text: gmail(heading, to, '550 Requested action not taken'), charset, cte },
      to,
      status: '5.0.0',
      diagnostic: '550 Requested action not taken',
      kind: 'bounce',
      hard: true,
      category: 'mailbox-unknown',
    };
  }),
];

/**
 * Exchange / Office 365 NDRs: the localized subject title (an encoded-word), the user part, the heading of
 * the administrators' part, the address and the remote reply. Subject titles: issue 16's brief (Exchange's
 * localized NDRs); the German and French administrators' headings: Microsoft's German documentation ("DSNs
 * und NDRs in Exchange Server": "Diagnoseinformationen für Administratoren") and the brief.
 */
const EXCHANGE: Array<[string, string, string, string, Cte]> = [
  ['German', 'Unzustellbar: Ihre Bestellung', 'Diagnoseinformationen für Administratoren:', 'utf-8', 'quoted-printable'],
  ['German, ISO-8859-1', 'Unzustellbar: Ihre Bestellung', 'Diagnoseinformationen für Administratoren:', 'iso-8859-1', 'quoted-printable'],
  ['French', 'Non remis : Votre commande', 'Informations de diagnostic pour les administrateurs :', 'utf-8', 'quoted-printable'],
  ['French, ISO-8859-1', 'Non remis : Votre commande', 'Informations de diagnostic pour les administrateurs :', 'iso-8859-1', '8bit'],
  ['Spanish', 'No se puede entregar: Su pedido', 'Diagnostic information for administrators:', 'utf-8', 'base64'],
  ['Italian', 'Non recapitabile: Il tuo ordine', 'Diagnostic information for administrators:', 'utf-8', 'base64'],
  ['Dutch', 'Onbestelbaar: Uw bestelling', 'Diagnostic information for administrators:', 'utf-8', 'base64'],
  ['Portuguese', 'Não é possível entregar: Seu pedido', 'Diagnostic information for administrators:', 'utf-8', 'base64'],
  ['Russian', 'Недоставляемое сообщение: Ваш заказ', 'Diagnostic information for administrators:', 'utf-8', 'base64'],
  ['Russian, KOI8-R', 'Недоставляемое сообщение: Ваш заказ', 'Diagnostic information for administrators:', 'koi8-r', 'base64'],
  ['Japanese', '配信不能: ご注文', 'Diagnostic information for administrators:', 'utf-8', 'base64'],
  ['Japanese, ISO-2022-JP', '配信不能: ご注文', 'Diagnostic information for administrators:', 'iso-2022-jp', '7bit'],
  ['Chinese', '无法投递: 您的订单', 'Diagnostic information for administrators:', 'utf-8', 'base64'],
  ['Chinese, GB2312', '无法投递: 您的订单', 'Diagnostic information for administrators:', 'gb2312', 'base64'],
];

const EX_REPLIES: Array<[string, string, boolean, string]> = [
  ['550 5.1.1 RESOLVER.ADR.RecipNotFound; not found', '5.1.1', true, 'mailbox-unknown'],
  ['552 5.2.2 mailbox full; quota exceeded', '5.2.2', false, 'mailbox-full'],
];

EXCHANGE.forEach(([lang, subject, admin, charset, cte], i) => {
  const [reply, status, hard, category] = EX_REPLIES[i % EX_REPLIES.length];
  const to = `user${i}@dest.example`;
  CASES.push({
    format: `Exchange, ${lang}: subject "${subject.split(':')[0]}:", "${admin}", the address, "${reply}"`,
    subject: word(subject, charset === 'iso-2022-jp' ? 'iso-2022-jp' : charset === 'iso-8859-1' ? 'iso-8859-1' : charset),
    from: 'From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@corp.example>',
    human: { text: [admin, '', 'Generating server: mx1.corp.example', '', to, `#${reply} ##`, ''].join('\n'), charset, cte },
    to,
    status,
    diagnostic: reply,
    kind: 'bounce',
    hard,
    category,
  });
});

function check(c: Case, r: ReturnType<typeof parseBounceSync>, form: string) {
  const where = `${c.format} (${form})`;
  assert.equal(r.kind, c.kind, `${where}: kind`);
  assert.deepEqual(
    r.recipients.map((x) => x.address),
    [c.to],
    `${where}: recipients`,
  );
  assert.equal(r.recipients[0]?.hard, c.hard, `${where}: hard`);
  if (c.category) assert.equal(r.recipients[0]?.category, c.category, `${where}: category`);
}

for (const c of CASES) {
  const headers = [c.from, VERP, `Subject: ${c.subject}`, 'Date: Sat, 5 Dec 2026 10:00:00 +0000'];
  test(`${c.format}: read with its delivery-status part`, () => {
    const r = parseBounceSync(report(headers, c.human, dsnFields(c.to, c.status, 'failed', c.diagnostic)));
    check(c, r, 'report');
  });
  if (!c.reportOnly)
    test(`${c.format}: read from its text alone`, () => {
      check(c, parseBounceSync(plain(headers, c.human)), 'text alone');
    });
}

/**
 * Exchange's localized subject title as the only sign of a notice: Office 365 sends from "Microsoft Outlook
 * <MicrosoftExchange…@…>" (no daemon's name), and the administrators' part kept alone (a client's copy)
 * gives the address and "Remote Server returned '…'" (Exchange 2010's wording, as Sisimai's Exchange2007
 * module quotes it). The returned message's own subject after the title ("Delivery delayed for order
 * 1234") is not the notice's: still a failure.
 */
/** Q-encoding (RFC 2047 4.2): blanks as underscores, other octets outside the safe set as =XX. */
const qword = (text: string, charset: string) =>
  `=?${charset.toUpperCase()}?Q?${[...encode(text, charset)].map((b) => (b === 0x20 ? '_' : /[A-Za-z0-9!*+\-/]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('')}?=`;

/** Language, title, and how the subject is encoded (charset, B or Q). */
const TITLES: Array<[string, string, string, 'B' | 'Q']> = [
  ['Spanish', 'No se puede entregar', 'utf-8', 'B'],
  ['Spanish', 'No se puede entregar', 'iso-8859-1', 'Q'],
  ['Portuguese', 'Não é possível entregar', 'utf-8', 'Q'],
  ['Portuguese', 'Não é possível entregar', 'iso-8859-1', 'B'],
  ['Russian', 'Недоставляемое сообщение', 'utf-8', 'B'],
  ['Russian', 'Недоставляемое сообщение', 'koi8-r', 'B'],
  ['Russian', 'Недоставляемое сообщение', 'windows-1251', 'Q'],
  ['Japanese', '配信不能', 'utf-8', 'B'],
  ['Japanese', '配信不能', 'iso-2022-jp', 'B'],
  ['Chinese', '无法投递', 'utf-8', 'B'],
  ['Chinese', '无法投递', 'gb2312', 'B'],
  ['German', 'Unzustellbar', 'utf-8', 'B'],
  ['French', 'Non remis', 'utf-8', 'Q'],
];
const OUTLOOK_FROM = 'From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@corp.example>';

for (const [lang, title, charset, enc] of TITLES) {
  for (const [reply, hard, category] of [
    ['550 5.1.1 RESOLVER.ADR.RecipNotFound; not found', true, 'mailbox-unknown'],
    ['552 5.2.2 mailbox full; quota exceeded', false, 'mailbox-full'],
  ] as const) {
    test(`Exchange, ${lang}: the subject title "${title}:" (${charset}, ${enc}) alone marks the notice; "${reply.slice(0, 9)}" read as ${category}`, () => {
      const to = `kim.${lang.toLowerCase()}@dest.example`;
      const r = parseBounceSync(
        plain([OUTLOOK_FROM, VERP, `Subject: ${(enc === 'B' ? word : qword)(`${title}: Delivery delayed for order 1234`, charset)}`], {
          text: [to, `Remote Server returned '${reply}'`, ''].join('\n'),
          charset: 'utf-8',
          cte: 'base64',
        }),
      );
      assert.equal(r.kind, 'bounce', `${lang}: kind`);
      assert.deepEqual(
        r.recipients.map((x) => [x.address, x.hard, x.category]),
        [[to, hard, category]],
        `${lang}: recipients`,
      );
    });
  }
}

/**
 * Exchange 2007 and later, the administrators' part in French and Italian, the returned message's headers
 * after their localized heading (the headings as Sisimai's Exchange2007 module lists them: "Informations de
 * diagnostic pour les administrateurs", "Serveur de génération", "En-têtes de message d'origine :";
 * "Informazioni di diagnostica per gli amministratori", "Server di generazione", "Intestazioni originali del
 * messaggio:"). The returned headers name other addresses (its To and Cc): never a failed recipient.
 */
const EXCHANGE_ADMIN: Array<[string, string, string, string, string]> = [
  [
    'French',
    'Non remis : Votre commande',
    'Informations de diagnostic pour les administrateurs :',
    'Serveur de génération :',
    "En-têtes de message d'origine :",
  ],
  [
    'Italian',
    'Non recapitabile: Il tuo ordine',
    'Informazioni di diagnostica per gli amministratori:',
    'Server di generazione:',
    'Intestazioni originali del messaggio:',
  ],
];
for (const [lang, subject, admin, server, original] of EXCHANGE_ADMIN) {
  for (const charset of ['utf-8', 'iso-8859-1']) {
    test(`Exchange, ${lang} (${charset}): the returned headers after "${original}" name no failed recipient`, () => {
      const to = `paul.${lang.toLowerCase()}@dest.example`;
      const text = [
        admin,
        '',
        `${server} mx1.corp.example`,
        '',
        to,
        '#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##',
        '',
        original,
        '',
        'Received: from mail.shop.example (192.0.2.10) by mx1.corp.example',
        'From: News <news@shop.example>',
        `To: ${to}`,
        'CC: <colleague@corp.example>, <other.person@dest.example>',
        'Subject: Your order',
        'Message-ID: <1234@shop.example>',
        '',
      ].join('\n');
      const r = parseBounceSync(plain([OUTLOOK_FROM, VERP, `Subject: ${word(subject, charset)}`], { text, charset, cte: 'quoted-printable' }));
      assert.equal(r.kind, 'bounce', `${lang}: kind`);
      assert.deepEqual(
        r.recipients.map((x) => [x.address, x.hard, x.category]),
        [[to, true, 'mailbox-unknown']],
        `${lang}: recipients`,
      );
    });
  }
}

/**
 * Mail.ru: a Russian preamble ("Это письмо создано автоматически сервером Mail.Ru, отвечать на него не
 * нужно. К сожалению, Ваше письмо не может быть доставлено одному или нескольким получателям:"), a row of
 * asterisks, then Exim's English notice (the structure and the Russian text as Sisimai's MailRu module
 * quotes them). UTF-8 and KOI8-R.
 */
for (const [charset, cte] of [
  ['utf-8', 'base64'],
  ['koi8-r', '8bit'],
] as const) {
  for (const [reply, hard, category] of [
    ['550 5.1.1 <vera@dest.example>... User unknown', true, 'mailbox-unknown'],
    ['552 5.2.2 <vera@dest.example>... Mailbox is full', false, 'mailbox-full'],
  ] as const) {
    test(`Mail.ru (${charset}): Russian preamble, Exim's notice under the asterisks: "${reply.slice(0, 9)}" read as ${category}`, () => {
      const text = [
        'Это письмо создано автоматически',
        'сервером Mail.Ru, отвечать на него не',
        'нужно.',
        '',
        'К сожалению, Ваше письмо не может',
        'быть доставлено одному или нескольким',
        'получателям:',
        '',
        '**********************',
        '',
        ...EXIM_PERMANENT_OPENING,
        '  vera@dest.example',
        '    SMTP error from remote mail server after RCPT TO:<vera@dest.example>:',
        `    host mx.dest.example [192.0.2.22]: ${reply}`,
        '',
        '------ This is a copy of the message, including all the headers. ------',
        '',
        'From: news@shop.example',
        'To: vera@dest.example',
        'Subject: Your order',
        '',
      ].join('\n');
      const r = parseBounceSync(
        plain(['From: Mail Delivery System <mailer-daemon@corp.mail.example>', VERP, 'Subject: Mail delivery failed: returning message to sender'], {
          text,
          charset,
          cte,
        }),
      );
      assert.equal(r.kind, 'bounce', 'kind');
      assert.deepEqual(
        r.recipients.map((x) => [x.address, x.hard, x.category]),
        [['vera@dest.example', hard, category]],
        'recipients',
      );
    });
  }
}

/**
 * Auto-replies in other languages, their subjects encoded in the charsets their mail programs use (Outlook's
 * localized "Automatic reply:" prefixes, as the responder table in src/bounces/parse/autoreply.ts lists them),
 * the text in the same charset: an auto-reply, never a bounce, whatever its words about absence.
 */
const AUTO_REPLIES: Array<[string, string, string, 'B' | 'Q', string]> = [
  ['German', 'Automatische Antwort: Ihre Bestellung', 'iso-8859-1', 'Q', 'Ich bin bis zum 12. Dezember nicht im Büro.'],
  ['French', 'Réponse automatique : Votre commande', 'iso-8859-1', 'Q', 'Je suis absent du bureau jusqu’au 12 décembre.'.replace('’', "'")],
  ['Spanish', 'Respuesta automática: Su pedido', 'iso-8859-1', 'B', 'Estoy fuera de la oficina hasta el 12 de diciembre.'],
  ['Portuguese', 'Resposta automática: Seu pedido', 'utf-8', 'Q', 'Estou fora do escritório até 12 de dezembro.'],
  ['Russian', 'Автоматический ответ: Ваш заказ', 'koi8-r', 'B', 'Я в отпуске до 12 декабря.'],
  ['Japanese', '自動応答: ご注文', 'iso-2022-jp', 'B', '12月12日まで不在にしております。'],
  ['Chinese', '自动回复: 您的订单', 'gb2312', 'B', '我在12月12日之前不在办公室。'],
  ['Korean', '자동 응답: 주문', 'euc-kr', 'B', '12월 12일까지 부재중입니다.'],
];
for (const [lang, subject, charset, enc, text] of AUTO_REPLIES) {
  test(`Auto-reply, ${lang} (${charset}, ${enc}): "${subject.split(':')[0]}" is an auto-reply`, () => {
    const r = parseBounceSync(
      plain(['From: Person <person@dest.example>', VERP, `Subject: ${(enc === 'B' ? word : qword)(subject, charset)}`], {
        text: `${text}\n`,
        charset,
        cte: charset === 'iso-2022-jp' ? '7bit' : 'base64',
      }),
    );
    assert.equal(r.kind, 'auto-reply', `${lang}: kind`);
  });
}

/**
 * NetEase (163.com/126.com) in GB2312 and GBK, as Chinese mail programs send it: the notice's wording as
 * more-formats.test.ts has it from public bounce-checking test data ("很抱歉您发送的邮件被退回", "无法发送到
 * <address>", "退信原因", "收件人邮件地址（<address>）不存在"), the subject "来自<host>的退信" as an encoded-word.
 */
for (const charset of ['gb2312', 'gbk']) {
  test(`NetEase in ${charset}: "收件人邮件地址（…）不存在" is no such user`, () => {
    const text = [
      '很抱歉您发送的邮件被退回，以下是该邮件的相关信息：',
      '',
      '被退回邮件',
      '主 题：Your order',
      '时 间：2026-12-05 10:20:31',
      '',
      '无法发送到 zhang.min@oldcorp.example',
      '',
      '退信原因',
      '收件人邮件地址（zhang.min@oldcorp.example）不存在，邮件无法送达。',
      '',
    ].join('\n');
    const r = parseBounceSync(
      plain(['From: postmaster@163.example', VERP, `Subject: ${word('来自163.example的退信', charset)}`], { text, charset, cte: 'base64' }),
    );
    assert.equal(r.kind, 'bounce', 'kind');
    assert.deepEqual(
      r.recipients.map((x) => [x.address, x.hard, x.category]),
      // (Soft: the notice's prose alone says so, with no reply code, status or stage — see classification.ts, proseOnly.)
      [['zhang.min@oldcorp.example', false, 'mailbox-unknown']],
      'recipients',
    );
  });
}

/**
 * Digital Arts m-FILTER (Japan): Japanese prose ("このメールは「m-FILTER」が自動的に生成して送信しています。",
 * "以下のメールアドレスへの送信に失敗しました。"), the address alone on its line, the server's reply under
 * "-------server message", the command under "-------SMTP command", the returned message after
 * "-------original message" (structure and wording as Sisimai's mFILTER module quotes them), in ISO-2022-JP
 * as Japanese mail is sent. The returned message's own addresses are not failed recipients.
 */
for (const [reply, command, hard, category] of [
  ['550 5.1.1 unknown user <kenji@dest.example>', 'RCPT', true, 'mailbox-unknown'],
  ['552 5.2.2 <kenji@dest.example>: Mailbox full', 'RCPT', false, 'mailbox-full'],
] as const) {
  test(`m-FILTER (ISO-2022-JP): Japanese prose, "${reply.slice(0, 9)}" under "-------server message" read as ${category}`, () => {
    const text = [
      'このメールは「m-FILTER」が自動的に生成して送信しています。',
      'メールサーバーとの通信中、下記の理由により',
      'このメールは送信できませんでした。',
      '',
      '以下のメールアドレスへの送信に失敗しました。',
      'kenji@dest.example',
      '',
      '',
      '-------server message',
      reply,
      '',
      '-------SMTP command',
      command,
      '',
      '-------original message',
      '',
      'From: news@shop.example',
      'To: kenji@dest.example',
      'Cc: yumi@other.example',
      'Subject: Your order',
      '',
    ].join('\n');
    const r = parseBounceSync(
      plain(['From: postmaster@gw.example.co.jp', VERP, 'Subject: failure notice', 'X-Mailer: m-FILTER'], { text, charset: 'iso-2022-jp', cte: '7bit' }),
    );
    assert.equal(r.kind, 'bounce', 'kind');
    assert.deepEqual(
      r.recipients.map((x) => [x.address, x.hard, x.category]),
      [['kenji@dest.example', hard, category]],
      'recipients',
    );
  });
}

/**
 * Charset names that Windows, Java and Python mail programs write and Node's decoders do not know (cp932,
 * ISO-2022-JP-2, MS949, x-windows-949, cp936): the subject's title and the text's heading must still be read.
 */
const LABELS: Array<[string, string, string, string, string]> = [
  ['cp932', 'shift_jis', 'Japanese', '配信不能', 'アドレスが見つかりませんでした'],
  ['Windows-31J', 'shift_jis', 'Japanese', '配信不能', 'アドレスが見つかりませんでした'],
  ['ISO-2022-JP-2', 'iso-2022-jp', 'Japanese', '配信不能', 'アドレスが見つかりませんでした'],
  ['cp936', 'gb2312', 'Chinese', '无法投递', '找不到地址'],
  ['MS949', 'euc-kr', 'Korean', '', ''],
  ['x-windows-949', 'euc-kr', 'Korean', '', ''],
];
for (const [label, charset, lang, title, heading] of LABELS) {
  if (title)
    test(`charset "${label}": ${lang} Exchange title "${title}:" in an encoded-word marks the notice`, () => {
      const to = 'label.test@dest.example';
      const r = parseBounceSync(
        plain([OUTLOOK_FROM, VERP, `Subject: ${word(`${title}: order`, charset, label)}`], {
          text: [to, "Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'", ''].join('\n'),
          charset: 'us-ascii',
          cte: '7bit',
        }),
      );
      assert.equal(r.kind, 'bounce', `${label}: kind`);
      assert.deepEqual(
        r.recipients.map((x) => x.address),
        [to],
        `${label}: recipients`,
      );
    });
  if (heading)
    test(`charset "${label}": Gmail's ${lang} heading "${heading}" in the text is the reason`, () => {
      const to = 'label.heading@dest.example';
      const lines = [
        GMAIL_FROM,
        VERP,
        `Subject: ${GMAIL_SUBJECT}`,
        'MIME-Version: 1.0',
        `Content-Type: text/plain; charset=${label}`,
        'Content-Transfer-Encoding: base64',
        '',
      ];
      const raw = Buffer.concat([
        Buffer.from(lines.join('\r\n') + '\r\n', 'latin1'),
        Buffer.from(encode(gmail(heading, to, '550 Requested action not taken'), charset).toString('base64') + '\r\n', 'latin1'),
      ]);
      const r = parseBounceSync(raw);
      assert.deepEqual(
        r.recipients.map((x) => [x.address, x.hard, x.category]),
        [[to, true, 'mailbox-unknown']],
        `${label}: recipients`,
      );
    });
}

test('charset "MS949" and "x-windows-949": a Korean auto-reply subject is read', () => {
  for (const label of ['MS949', 'x-windows-949', 'cp949']) {
    const r = parseBounceSync(
      plain(['From: Person <person@dest.example>', VERP, `Subject: ${word('자동 응답: 주문', 'euc-kr', label)}`], {
        text: 'x\n',
        charset: 'us-ascii',
        cte: '7bit',
      }),
    );
    assert.equal(r.kind, 'auto-reply', `${label}: kind`);
  }
});

/**
 * A long localized subject split into several encoded-words by bytes, not by characters (a UTF-8 character
 * or an ISO-2022-JP run cut between two words, as many mailers fold): the title is still read.
 */
for (const [charset, title] of [
  ['utf-8', '配信不能'],
  ['utf-8', 'Недоставляемое сообщение'],
  ['iso-2022-jp', '配信不能'],
  ['gb2312', '无法投递'],
] as const) {
  test(`a ${charset} subject "${title}: …" cut inside a character between two encoded-words is read whole`, () => {
    const bytes = encode(`${title}: order 1234`, charset);
    // Cut at an odd byte inside the title: in a multi-byte character for every charset here.
    const cut = charset === 'iso-2022-jp' ? 6 : 5;
    const words = [bytes.subarray(0, cut), bytes.subarray(cut)].map((b) => `=?${charset.toUpperCase()}?B?${b.toString('base64')}?=`);
    const to = 'split.subject@dest.example';
    const r = parseBounceSync(
      plain([OUTLOOK_FROM, VERP, `Subject: ${words[0]}`, ` ${words[1]}`], {
        text: [to, "Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'", ''].join('\n'),
        charset: 'us-ascii',
        cte: '7bit',
      }),
    );
    assert.equal(r.kind, 'bounce', `${charset}: kind`);
    assert.deepEqual(
      r.recipients.map((x) => x.address),
      [to],
      `${charset}: recipients`,
    );
  });
}

/**
 * Localized subjects written raw, without encoded-words: UTF-8 (RFC 6532), or Latin-1 as older mailers write
 * it. Both are read: the Latin-1 bytes are not valid UTF-8 and are read as Windows-1252.
 */
const RAW_SUBJECTS: Array<[string, 'utf-8' | 'latin1', 'bounce' | 'auto-reply']> = [
  ['Não é possível entregar: Seu pedido', 'latin1', 'bounce'],
  ['No se puede entregar: Su pedido', 'latin1', 'bounce'],
  ['Não é possível entregar: Seu pedido', 'utf-8', 'bounce'],
  ['Недоставляемое сообщение: Ваш заказ', 'utf-8', 'bounce'],
  ['Réponse automatique : Votre commande', 'latin1', 'auto-reply'],
  ['Respuesta automática: Su pedido', 'latin1', 'auto-reply'],
  ['Resposta automática: Seu pedido', 'utf-8', 'auto-reply'],
];
for (const [subject, bytes, kind] of RAW_SUBJECTS) {
  test(`a raw ${bytes} subject "${subject}" is read (${kind})`, () => {
    const raw = bytes === 'latin1' ? subject : Buffer.from(subject, 'utf8').toString('latin1');
    const to = 'raw.subject@dest.example';
    const from = kind === 'bounce' ? OUTLOOK_FROM : 'From: Person <person@dest.example>';
    const r = parseBounceSync(
      plain([from, VERP, `Subject: ${raw}`], {
        text: kind === 'bounce' ? [to, "Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'", ''].join('\n') : 'x\n',
        charset: 'us-ascii',
        cte: '7bit',
      }),
    );
    assert.equal(r.kind, kind, 'kind');
    if (kind === 'bounce')
      assert.deepEqual(
        r.recipients.map((x) => x.address),
        [to],
        'recipients',
      );
  });
}

/**
 * A notice whose text part declares no charset, written in Latin-1 by an older mailer: its German, Portuguese
 * and Spanish reasons (the rules' own wording: "Empfänger unbekannt", "usuário desconhecido") are read. (Soft: the
 * notice's prose alone says so, with no reply code, status or stage — see classification.ts, proseOnly.)
 */
for (const [reason, category, hard] of [
  ['Grund: Empfänger unbekannt', 'mailbox-unknown', false],
  ['Motivo: usuário desconhecido', 'mailbox-unknown', false],
] as const) {
  test(`an undeclared Latin-1 text: "${reason}" read as ${category}`, () => {
    const to = 'latin1.body@dest.example';
    const body = ['Ihre Nachricht konnte nicht zugestellt werden an:', '', `    ${to}`, '', reason, ''].join('\r\n');
    const raw = Buffer.concat([
      Buffer.from(['From: MAILER-DAEMON@mail.example.de', VERP, 'Subject: Unzustellbar: Ihre Bestellung', '', ''].join('\r\n')),
      Buffer.from(body, 'latin1'),
    ]);
    const r = parseBounceSync(raw);
    assert.deepEqual(
      r.recipients.map((x) => [x.address, x.hard, x.category]),
      [[to, hard, category]],
      'recipients',
    );
  });
}
