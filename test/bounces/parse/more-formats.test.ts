/**
 * Formats the checklist still missed (issue 16, point 3): one written notice per MTA, provider or gateway
 * that had no case in mta-formats.test.ts. Each is written here from the format's documented or observed
 * structure and wording — Sisimai's lib/Sisimai/Lhost/*.pm and Rhost/*.pm modules (what they match on, the
 * lines their comments quote) or a vendor's or host's published sample — with made-up addresses, hosts and
 * texts, never a copy of a real notice. Each case names its source. The notices come back to a VERP address,
 * as mailtrail's do, so only the format's shape tells the failed address from the sender's own address in
 * the prose ("Sender Address:", "Hello …").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyRecipient } from '../../../src/bounces/parse/classification.js';
import { parseBounce } from '../../../src/bounces/parse/index.js';

interface Case {
  /** The MTA or provider, what is special about this notice, and where its wording comes from. */
  format: string;
  mail: Buffer;
  kind: 'bounce' | 'delay' | 'not-a-bounce';
  recipients: string[];
  hard?: boolean;
  status?: string;
  category?: string;
}

const VERP = 'To: b+7-f00d@bounces.shop.example';

/** A plain-text notice: header lines, a blank line, the body. */
const plain = (headers: string[], body: string[]): Buffer => Buffer.from([...headers, '', ...body, ''].join('\r\n'));

/**
 * A multipart/report: the written notice, the delivery-status fields (per-message, a blank line, then each
 * recipient's), and the returned headers as the part `returnedType` (text/rfc822-headers or message/rfc822).
 */
const report = (
  headers: string[],
  notice: string[],
  fields: string[],
  returned: string[] = ['From: news@shop.example', 'Subject: Your order', 'Message-ID: <order-77@shop.example>'],
  returnedType = 'text/rfc822-headers',
): Buffer =>
  Buffer.from(
    [
      ...headers,
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="r1"',
      '',
      '--r1',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      ...notice,
      '',
      '--r1',
      'Content-Type: message/delivery-status',
      '',
      ...fields,
      '',
      '--r1',
      `Content-Type: ${returnedType}`,
      '',
      ...returned,
      '',
      '--r1--',
      '',
    ].join('\r\n'),
  );

/** The returned copy's header fields: our message to `address`. */
const copyTo = (address: string): string[] => ['From: news@shop.example', `To: ${address}`, 'Subject: Your order', 'Message-ID: <order-77@shop.example>'];

/** Amazon WorkMail's notice (Lhost::AmazonWorkMail): its mailer header and SES's, the fields inline after "Technical report:". */
const workmail = (mailer: string, fields: string[]): Buffer =>
  plain(
    ['From: MAILER-DAEMON@us-west-2.awsapps.example', VERP, 'Subject: Delivery Status Notification (Failure)', mailer, 'X-SES-Outgoing: 2026.12.05-192.0.2.33'],
    ['Technical report:', '', 'Reporting-MTA: dns; a2-1.smtp-out.us-west-2.amazonses.example', '', ...fields],
  );

/** PowerMTA's notice (Lhost::PowerMTA): its greeting, one "<address>  <outcome>" line a recipient, its own bounce category among the fields. */
const POWERMTA_NOTICE = (line: string): string[] => [
  'Hello, this is the mail server on mta7.esp.example.',
  '',
  'I am sending you this message to inform you on the delivery status of a',
  'message you previously sent.  Immediately below you will find a list of',
  'the affected recipients;  also attached is a Delivery Status Notification',
  '(DSN) report in standard format, as well as the headers of the original',
  'message.',
  '',
  line,
];
const POWERMTA_HEADERS = ['From: Mail Delivery Subsystem <mailer-daemon@mta7.esp.example>', VERP, 'Subject: Delivery report: Your order'];
/** One recipient's PowerMTA fields under a bare 5.0.0: the reply and the MTA's own category of it. */
const powerMtaFields = (diagnostic: string, category: string): string[] => [
  'Reporting-MTA: dns;mta7.esp.example',
  '',
  'Final-Recipient: rfc822;lee@dest.example',
  'Action: failed',
  'Status: 5.0.0 (undefined status)',
  `Diagnostic-Code: smtp;${diagnostic}`,
  `X-PowerMTA-BounceCategory: ${category}`,
];

/** Exchange Online's older NDR body (Lhost::Office365's markers), in the language the tenant writes in. */
const office365 = (heading: string, address: string, explanation: string, admins: string, returned: string, remote: string): string[] => [
  heading,
  '',
  `${address}<mailto:${address}>`,
  explanation,
  '',
  admins,
  '',
  'Generating server: AM0PR01MB1234.eurprd01.prod.outlook.example',
  '',
  address,
  remote,
  '',
  returned,
  '',
  'Received: from AM0PR01MB1234.eurprd01.prod.outlook.example by AM0PR01MB1234.eurprd01.prod.outlook.example',
  'From: news@shop.example',
  `To: ${address}`,
  'Subject: Your order',
  'Message-ID: <order-77@shop.example>',
];
const OFFICE365_HEADERS = (subject: string) => [
  'From: postmaster@corp.onmicrosoft.example',
  VERP,
  `Subject: ${subject}: Your order`,
  'X-MS-Exchange-Message-Is-Ndr:',
  'X-MS-Exchange-CrossTenant-FromEntityHeader: Hosted',
];

/** Symantec Email Security.cloud's notice (Lhost::MessageLabs): the address alone, then "Reason:" and the reply, the same reply as Diagnostic-Code. */
const messagelabs = (address: string, reply: string, agent = 'Symantec Email Security.cloud'): Buffer =>
  report(
    [
      'From: Mail Delivery System <MAILER-DAEMON@messagelabs.example>',
      VERP,
      'Subject: Mail Delivery Failure',
      'X-Msg-Ref: server-3.tower-21.messagelabs.example!1765000000!1234567!1',
    ],
    [
      `This is the mail delivery agent at ${agent}.`,
      '',
      'I was unable to deliver your message to the following addresses:',
      '',
      address,
      '',
      `Reason: ${reply}`,
      '',
      'The message subject was: Your order',
      'The message date was: Sat, 5 Dec 2026 10:00:00 +0000',
      '',
      'Please do not reply to this email as it is sent from an unattended mailbox.',
    ],
    [
      'Reporting-MTA: dns; server-3.bemta-21.messagelabs.example',
      'Arrival-Date: Sat, 5 Dec 2026 10:00:00 +0000',
      '',
      'Action: failed',
      `Final-Recipient: rfc822; ${address}`,
      `Diagnostic-Code: smtp; ${reply}`,
      'Status: 5.0.0',
    ],
  );

/** G Suite's relay notice (Lhost::GSuite): "** Address not found **", its sentence, the remote answer after its heading; then the fields. */
const GSUITE_HEADERS = [
  'From: Mail Delivery Subsystem <mailer-daemon@googlemail.example>',
  VERP,
  'Subject: Delivery Status Notification (Failure)',
  'X-Gm-Message-State: AOJu0Yw1234567890abcdef',
];

/** Amazon SES's receiving notice (Lhost::ReceivingSES): one sentence, then the fields a receipt rule's bounce action fills in. */
const receivingSes = (address: string, reply: string, status: string): Buffer =>
  report(
    ['From: MAILER-DAEMON@email.amazonses.example', VERP, 'Subject: Delivery Status Notification (Failure)', 'X-SES-Outgoing: 2026.12.05-192.0.2.44'],
    ['This message could not be delivered.'],
    [
      'Reporting-MTA: dns; inbound-smtp.us-west-2.amazonaws.example',
      '',
      'Action: failed',
      `Final-Recipient: rfc822; ${address}`,
      `Diagnostic-Code: smtp; ${reply}`,
      `Status: ${status}`,
    ],
  );

/** SmarterMail's notice (its hosts' published samples): "Failed Recipient:" and "Reason:" under its heading. */
const smartermail = (address: string, reason: string, more: string[] = []): Buffer =>
  plain(
    ['From: System Administrator <postmaster@mail.host.example>', VERP, 'Subject: Undeliverable Mail'],
    ['Could not deliver message to the following recipient(s):', '', `Failed Recipient: ${address}`, `Reason: ${reason}`, ...more],
  );

/**
 * A Sieve rejection as Dovecot's LDA/LMTP and Cyrus send it (their sources): a multipart/report of type
 * disposition-notification, the human reason, an MDN whose Disposition says the message was deleted, the
 * original's headers.
 */
const sieveRejection = (from: string, subject: string, human: string[], agent: string, address: string): Buffer =>
  Buffer.from(
    [
      `From: ${from}`,
      VERP,
      `Subject: ${subject}`,
      'Auto-Submitted: auto-replied (rejected)',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=disposition-notification; boundary="m1"',
      '',
      'This is a MIME-encapsulated message',
      '',
      '--m1',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Disposition: inline',
      '',
      ...human,
      '',
      '--m1',
      'Content-Type: message/disposition-notification',
      '',
      `Reporting-UA: ${agent}`,
      `Final-Recipient: rfc822; ${address}`,
      'Original-Message-ID: <order-77@shop.example>',
      'Disposition: automatic-action/MDN-sent-automatically; deleted',
      '',
      '--m1',
      'Content-Type: message/rfc822',
      '',
      ...copyTo(address),
      '',
      '--m1--',
      '',
    ].join('\r\n'),
  );

/**
 * Haraka's bounce (its config/outbound.bounce_message template and outbound/hmail.js): "Hi. This is the Haraka
 * Mailer program at …", "Intended Recipients:" and "Failure Reason:", then the delivery-status fields (the
 * original's Message-Id as Original-Envelope-Id; a failure of its own, such as a null MX, only in Status's
 * comment) and the returned message.
 */
const haraka = (address: string, reason: string, fields: string[]): Buffer =>
  Buffer.from(
    [
      'Received: (Haraka 4242 invoked for bounce); Sat, 05 Dec 2026 10:00:00 +0000',
      'From: MAILER-DAEMON@mta.shop.example',
      VERP,
      'Subject: failure notice',
      'Content-Type: multipart/report; report-type=delivery-status;',
      '    boundary="boundary_1"',
      'References: <order-77@shop.example>',
      '',
      'This is a MIME-encapsulated message.',
      '',
      '--boundary_1',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'Hi. This is the Haraka Mailer program at mta.shop.example.',
      "I'm afraid I wasn't able to deliver your message to the following addresses.",
      "This is a permanent error; I've given up. Sorry it didn't work out.",
      '',
      `Intended Recipients: <${address}>`,
      `Failure Reason: ${reason}`,
      '',
      '--boundary_1',
      'Content-type: message/delivery-status',
      '',
      'Original-Envelope-Id: <order-77@shop.example>',
      'Reporting-MTA: dns;mta.shop.example',
      '',
      `Final-Recipient: rfc822;${address}`,
      ...fields,
      '',
      '--boundary_1',
      'Content-Type: message/rfc822',
      '',
      ...copyTo(address),
      '',
      'hello',
      '',
      '--boundary_1--',
      '',
    ].join('\r\n'),
  );

const CASES: Case[] = [
  {
    format: 'PowerMTA: "<address>  delivery failed; will not continue trying", X-PowerMTA-BounceCategory: bad-mailbox (Lhost::PowerMTA)',
    mail: report(POWERMTA_HEADERS, POWERMTA_NOTICE('  <ivo.k@dest.example>  delivery failed; will not continue trying'), [
      'Reporting-MTA: dns;mta7.esp.example',
      'X-PowerMTA-VirtualMTA: pool-a',
      'Received-From-MTA: dns;app1.esp.example (192.0.2.10)',
      'Arrival-Date: Sat, 5 Dec 2026 10:00:00 +0000',
      '',
      'Final-Recipient: rfc822;ivo.k@dest.example',
      'Action: failed',
      'Status: 5.1.1 (bad destination mailbox address)',
      'Remote-MTA: dns;mx1.dest.example (198.51.100.5)',
      'Diagnostic-Code: smtp;550 5.1.1 <ivo.k@dest.example>: Recipient address rejected: User unknown',
      'X-PowerMTA-BounceCategory: bad-mailbox',
    ]),
    kind: 'bounce',
    recipients: ['ivo.k@dest.example'],
    hard: true,
    status: '5.1.1',
  },
  {
    format: 'PowerMTA: a full mailbox (X-PowerMTA-BounceCategory: quota-issues) is soft (Lhost::PowerMTA)',
    mail: report(POWERMTA_HEADERS, POWERMTA_NOTICE('  <mia.r@dest.example>  delivery failed; will not continue trying'), [
      'Reporting-MTA: dns;mta7.esp.example',
      '',
      'Final-Recipient: rfc822;mia.r@dest.example',
      'Action: failed',
      'Status: 5.2.2 (mailbox full)',
      'Remote-MTA: dns;mx1.dest.example (198.51.100.5)',
      'Diagnostic-Code: smtp;552 5.2.2 Mailbox full, quota exceeded',
      'X-PowerMTA-BounceCategory: quota-issues',
    ]),
    kind: 'bounce',
    recipients: ['mia.r@dest.example'],
    hard: false,
    category: 'mailbox-full',
  },
  {
    format: "PowerMTA: RFC 5321's stock 'mailbox unavailable' under 5.0.0 takes the MTA's own category (bad-mailbox: no such mailbox)",
    mail: report(
      POWERMTA_HEADERS,
      POWERMTA_NOTICE('  <lee@dest.example>  delivery failed; will not continue trying'),
      powerMtaFields('550 Requested action not taken: mailbox unavailable', 'bad-mailbox'),
    ),
    kind: 'bounce',
    recipients: ['lee@dest.example'],
    hard: true,
    category: 'mailbox-unknown',
    // The report's own status stays: a category names none.
    status: '5.0.0',
  },
  {
    format: "PowerMTA: the reply's own words still decide over its category (quota words under bad-mailbox)",
    mail: report(
      POWERMTA_HEADERS,
      POWERMTA_NOTICE('  <lee@dest.example>  delivery failed; will not continue trying'),
      powerMtaFields('552 5.2.2 Mailbox full', 'bad-mailbox'),
    ),
    kind: 'bounce',
    recipients: ['lee@dest.example'],
    hard: false,
    category: 'mailbox-full',
  },
  {
    format: "PowerMTA: its category 'other' says nothing; the stock reply stays unexplained (soft)",
    mail: report(
      POWERMTA_HEADERS,
      POWERMTA_NOTICE('  <lee@dest.example>  delivery failed; will not continue trying'),
      powerMtaFields('550 Requested action not taken: mailbox unavailable', 'other'),
    ),
    kind: 'bounce',
    recipients: ['lee@dest.example'],
    hard: false,
    category: 'unknown',
  },
  {
    format:
      'Amazon WorkMail: X-Mailer: Amazon WorkMail and X-SES-Outgoing, the delivery-status fields written inline in the text after "Technical report:" (Lhost::AmazonWorkMail)',
    mail: workmail('X-Mailer: Amazon WorkMail', [
      'Action: failed',
      'Final-Recipient: rfc822; nils.b@dest.example',
      'Diagnostic-Code: smtp; 550 5.1.1 <nils.b@dest.example>: Recipient address rejected: User unknown in virtual mailbox table',
      'Status: 5.1.1',
    ]),
    kind: 'bounce',
    recipients: ['nils.b@dest.example'],
    hard: true,
    status: '5.1.1',
  },
  {
    format:
      'Amazon WorkMail: "554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.2 Connection timed out>" is an expiry, soft (Lhost::AmazonWorkMail)',
    mail: workmail('X-Original-Mailer: Amazon WorkMail', [
      'Action: failed',
      'Final-Recipient: rfc822; olga.p@slow.example',
      'Diagnostic-Code: smtp; 554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.2 Connection timed out>',
      'Status: 4.4.7',
    ]),
    kind: 'bounce',
    recipients: ['olga.p@slow.example'],
    hard: false,
    category: 'expired',
  },
  {
    format: 'Yandex.Mail: Postfix wording "This is the mail system at host yandex.ru", X-Yandex-Uniq, the returned message as message/rfc822 (Lhost::Yandex)',
    mail: report(
      [
        'From: mailer-daemon@yandex.example',
        VERP,
        'Subject: Undelivered Mail Returned to Sender',
        'X-Yandex-Uniq: 0f2c7d1e-5b6a-4c3d-9e8f-112233445566',
        'X-Yandex-Front: mxback3.mail.yandex.example',
      ],
      [
        'This is the mail system at host yandex.example.',
        '',
        "I'm sorry to have to inform you that your message could not",
        "be delivered to one or more recipients. It's attached below.",
        '',
        '<pavel.s@dest.example>: host mx.dest.example[198.51.100.7] said: 550 5.1.1',
        '    <pavel.s@dest.example>... User Unknown (in reply to RCPT TO command)',
      ],
      [
        'Reporting-MTA: dns; forward5.mail.yandex.example',
        'X-Yandex-Queue-ID: 1A2B3C4D5E',
        'X-Yandex-Sender: rfc822; news@shop.example',
        '',
        'Final-Recipient: rfc822; pavel.s@dest.example',
        'Original-Recipient: rfc822;pavel.s@dest.example',
        'Action: failed',
        'Status: 5.1.1',
        'Remote-MTA: dns; mx.dest.example',
        'Diagnostic-Code: smtp; 550 5.1.1 <pavel.s@dest.example>... User Unknown',
      ],
      ['From: news@shop.example', 'To: pavel.s@dest.example', 'Subject: Your order', 'Message-ID: <order-77@shop.example>', '', 'hello'],
      'message/rfc822',
    ),
    kind: 'bounce',
    recipients: ['pavel.s@dest.example'],
    hard: true,
    status: '5.1.1',
  },
  {
    format: 'Bigfoot: a Sendmail transcript (">>> RCPT TO:", "<<< 553 Invalid recipient … (Mode: normal)") with the fields (Lhost::Bigfoot)',
    mail: report(
      ['From: Mail Delivery Subsystem <MAILER-DAEMON@mx.bigfoot.example>', VERP, 'Subject: Returned mail: Invalid recipient'],
      [
        '   ----- Transcript of session follows -----',
        '>>> RCPT TO:<rolf.t@bigfoot.example>',
        '<<< 553 Invalid recipient rolf.t@bigfoot.example (Mode: normal)',
      ],
      [
        'Reporting-MTA: dns; mx.bigfoot.example',
        'Arrival-Date: Sat, 5 Dec 2026 10:00:00 +0000',
        '',
        'Final-Recipient: RFC822; rolf.t@bigfoot.example',
        'Action: failed',
        'Status: 5.0.0',
        'Diagnostic-Code: SMTP; 553 Invalid recipient rolf.t@bigfoot.example (Mode: normal)',
      ],
    ),
    kind: 'bounce',
    recipients: ['rolf.t@bigfoot.example'],
    hard: true,
  },
  {
    format:
      'Office 365 / Exchange Online, older NDR: "address<mailto:address>" under "Delivery has failed to these recipients or groups:", "Remote Server returned \'550 5.1.10 RESOLVER.ADR.RecipientNotFound …\'" (Lhost::Office365)',
    mail: plain(
      OFFICE365_HEADERS('Undeliverable'),
      office365(
        'Delivery has failed to these recipients or groups:',
        'sven.h@corp.example',
        "The email address you entered couldn't be found. Please check the recipient's email address and try to resend the message.",
        'Diagnostic information for administrators:',
        'Original message headers:',
        "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'",
      ),
    ),
    kind: 'bounce',
    recipients: ['sven.h@corp.example'],
    hard: true,
    status: '5.1.10',
  },
  {
    format:
      'Office 365 in Dutch: "Onbestelbaar:", "Uw bericht kan niet worden bezorgd bij de volgende geadresseerden of groepen:", "Diagnostische gegevens voor beheerders:" (Lhost::Office365)',
    mail: plain(
      OFFICE365_HEADERS('Onbestelbaar'),
      office365(
        'Uw bericht kan niet worden bezorgd bij de volgende geadresseerden of groepen:',
        'joost.v@bedrijf.example',
        'Het e-mailadres dat u hebt ingevoerd, is niet gevonden.',
        'Diagnostische gegevens voor beheerders:',
        'Oorspronkelijke berichtkoppen:',
        "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'",
      ),
    ),
    kind: 'bounce',
    recipients: ['joost.v@bedrijf.example'],
    hard: true,
  },
  {
    format:
      'Office 365 in Portuguese: "Falha na entrega a estes destinatários ou grupos:", "Cabeçalhos originais da mensagem:", a full mailbox (Lhost::Office365)',
    mail: plain(
      OFFICE365_HEADERS('Não_entregue'),
      office365(
        'Falha na entrega a estes destinatários ou grupos:',
        'ana.c@empresa.example',
        'A caixa de correio do destinatário está cheia e não pode aceitar mensagens agora.',
        'Informações de diagnóstico para administradores:',
        'Cabeçalhos originais da mensagem:',
        "Remote Server returned '554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException'",
      ),
    ),
    kind: 'bounce',
    recipients: ['ana.c@empresa.example'],
    hard: false,
    category: 'mailbox-full',
  },
  {
    format:
      'Office 365 / Exchange Online, newer NDR: "Your message to <address> couldn\'t be delivered.", the sender under "Original Message Details" as "Sender Address:", the failed one as "Recipient Address:", the reply under "Error Details" (Lhost::Office365; Microsoft\'s "What\'s included in an NDR")',
    mail: plain(OFFICE365_HEADERS('Undeliverable'), [
      "Your message to lars.e@corp.example couldn't be delivered.",
      "lars.e wasn't found at corp.example.",
      '',
      'news       Office 365      lars.e',
      'Action Required                   Recipient',
      'Unknown To address',
      '',
      'How to Fix It',
      'The address may be misspelled or may not exist. Try one or more of the following:',
      '',
      'More Info for Email Admins',
      'Status code: 550 5.1.10',
      '',
      'Original Message Details',
      'Created Date:    12/5/2026 10:00:00 AM',
      'Sender Address:  news@shop.example',
      'Recipient Address:       lars.e@corp.example',
      'Subject:         Your order',
      '',
      'Error Details',
      'Reported error:  550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
      'DSN generated by:        AM0PR01MB1234.eurprd01.prod.outlook.example',
      '',
      'Message Hops',
      'HOP     TIME (UTC)      FROM    TO      WITH    RELAY TIME',
      '',
      'Original Message Headers',
      'From: news@shop.example',
      'To: lars.e@corp.example',
      'Subject: Your order',
      'Message-ID: <order-77@shop.example>',
    ]),
    kind: 'bounce',
    recipients: ['lars.e@corp.example'],
    hard: true,
    status: '5.1.10',
  },
  {
    format:
      'Outlook.com / Hotmail: "This is an automatically generated Delivery Status Notification" (the SMTP service\'s DSN whose wording Lhost::Outlook quotes), "550 Requested action not taken: mailbox unavailable" is no such user (Lhost::Outlook)',
    mail: report(
      [
        'From: postmaster@hotmail.example',
        VERP,
        'Subject: Delivery Status Notification (Failure)',
        'X-Message-Delivery: Vj0xLjE7RD0wO0dEPTA7U0NMPTk7bD0xO3VzPTE=',
        'X-Message-Info: qJ9xYz0AbCdEfGh',
      ],
      ['This is an automatically generated Delivery Status Notification.', '', 'Delivery to the following recipients failed.', '', '       tom.w@dest.example'],
      [
        'Reporting-MTA: dns;BAY0-OMC1-S2.bay0.hotmail.example',
        'Received-From-MTA: dns;BAY0-MC1-F3.Bay0.hotmail.example',
        '',
        'Final-Recipient: rfc822;tom.w@dest.example',
        'Action: failed',
        'Status: 5.5.0',
        'Diagnostic-Code: smtp;550 Requested action not taken: mailbox unavailable',
      ],
    ),
    kind: 'bounce',
    recipients: ['tom.w@dest.example'],
    hard: true,
  },
  {
    format:
      'Outlook.com / Hotmail: "The mail could not be delivered to the recipient because the domain is not reachable" is an unknown domain (Lhost::Outlook)',
    mail: report(
      [
        'From: postmaster@hotmail.example',
        VERP,
        'Subject: Delivery Status Notification (Failure)',
        'X-Message-Delivery: Vj0xLjE7RD0wO0dEPTA7U0NMPTk7bD0xO3VzPTE=',
      ],
      [
        'This is an automatically generated Delivery Status Notification.',
        '',
        'Delivery to the following recipients failed.',
        '',
        '       una.v@no-such-domain.example',
      ],
      [
        'Reporting-MTA: dns;BAY0-OMC1-S2.bay0.hotmail.example',
        '',
        'Final-Recipient: rfc822;una.v@no-such-domain.example',
        'Action: failed',
        'Status: 5.4.0',
        'Diagnostic-Code: smtp;554 The mail could not be delivered to the recipient because the domain is not reachable. Please check the domain and try again',
      ],
    ),
    kind: 'bounce',
    recipients: ['una.v@no-such-domain.example'],
    hard: true,
    category: 'domain-unknown',
  },
  {
    format:
      'G Suite relaying to another host: "** Address not found **", "because the address couldn\'t be found", the remote answer after "The response from the remote server was:" (Lhost::GSuite)',
    mail: report(
      GSUITE_HEADERS,
      [
        '** Address not found **',
        '',
        "Your message wasn't delivered to vera.l@partner.example because the address couldn't be found. Check for typos or unnecessary spaces and try again.",
        '',
        'The response from the remote server was:',
        '550 #5.1.0 Address rejected.',
      ],
      [
        'Reporting-MTA: dns; googlemail.example',
        'Received-From-MTA: dns; news@shop.example',
        'Arrival-Date: Sat, 05 Dec 2026 02:00:00 -0800 (PST)',
        '',
        'Final-Recipient: rfc822; vera.l@partner.example',
        'Action: failed',
        'Status: 5.0.0',
        'Remote-MTA: dns; mx.partner.example. (198.51.100.9, the server for the domain partner.example.)',
        'Diagnostic-Code: smtp; 550 #5.1.0 Address rejected.',
      ],
    ),
    kind: 'bounce',
    recipients: ['vera.l@partner.example'],
    hard: true,
  },
  {
    format: 'G Suite: "DNS Error: DNS type \'mx\' lookup of … responded with code NXDOMAIN" is a domain that does not exist, hard (Lhost::GSuite)',
    mail: report(
      GSUITE_HEADERS,
      [
        '** Address not found **',
        '',
        "Your message wasn't delivered to walt.z@typo-domain.example because the domain typo-domain.example couldn't be found. Check for typos or unnecessary spaces and try again.",
        '',
        'The response was:',
        '',
        "DNS Error: DNS type 'mx' lookup of typo-domain.example responded with code NXDOMAIN Domain name not found: typo-domain.example",
      ],
      [
        'Reporting-MTA: dns; googlemail.example',
        '',
        'Final-Recipient: rfc822; walt.z@typo-domain.example',
        'Action: failed',
        'Status: 5.1.2',
        "Diagnostic-Code: smtp; DNS Error: DNS type 'mx' lookup of typo-domain.example responded with code NXDOMAIN Domain name not found: typo-domain.example",
      ],
    ),
    kind: 'bounce',
    recipients: ['walt.z@typo-domain.example'],
    hard: true,
    category: 'domain-unknown',
  },
  {
    format:
      'Amazon SES receiving (a receipt rule\'s bounce action): "This message could not be delivered.", X-SES-Outgoing, the template\'s "Mailbox full" is soft (Lhost::ReceivingSES)',
    mail: receivingSes('xena.q@receiver.example', '552 5.2.2 Mailbox full', '5.2.2'),
    kind: 'bounce',
    recipients: ['xena.q@receiver.example'],
    hard: false,
    category: 'mailbox-full',
  },
  {
    format: 'Amazon SES receiving: the template\'s "Message content rejected" refuses this message, not the address (Lhost::ReceivingSES)',
    mail: receivingSes('yuri.n@receiver.example', '500 5.6.1 Message content rejected', '5.6.1'),
    kind: 'bounce',
    recipients: ['yuri.n@receiver.example'],
    hard: false,
  },
  {
    format:
      'MessageLabs / Symantec Email Security.cloud: "I was unable to deliver your message to the following addresses:", its "542 <address> Rejected" is the recipient refused (Lhost::MessageLabs)',
    mail: messagelabs('zora.f@client.example', '542 zora.f@client.example Rejected'),
    kind: 'bounce',
    recipients: ['zora.f@client.example'],
    hard: true,
    category: 'mailbox-unknown',
  },
  {
    format: 'MessageLabs / Email Security.cloud: "553 Recipient mailbox is not allowed" is its invalid-address answer (Rhost::MessageLabs, Broadcom KB 175710)',
    mail: messagelabs('adam.g@client.example', '553 Recipient mailbox is not allowed'),
    kind: 'bounce',
    recipients: ['adam.g@client.example'],
    hard: true,
  },
  {
    format: 'MessageLabs / Email Security.cloud: "501 Connection rejected by policy" refuses our IP, not the address (Rhost::MessageLabs, Broadcom KB 164955)',
    mail: messagelabs(
      'bea.h@client.example',
      '501 Connection rejected by policy [7.7] 20805, please visit www.messagelabs.example/support for more details about this error message.',
    ),
    kind: 'bounce',
    recipients: ['bea.h@client.example'],
    hard: false,
  },
  {
    format:
      'MessageLabs, outbound: "This is the mail delivery agent at messagelabs.com.", the recipient server\'s own refusal quoted after "Reason:" (Broadcom KB 162445)',
    mail: messagelabs('cleo.d@client.example', '554 5.7.1 Recipient address rejected: No such user', 'messagelabs.example'),
    kind: 'bounce',
    recipients: ['cleo.d@client.example'],
    hard: true,
    category: 'mailbox-unknown',
  },
  {
    format:
      'Mailprotector: one line, "Message not delivered. Reason: host … said: …", the address only inside the remote reply (the bouncebacks its support page "Common Email Bouncebacks" quotes)',
    mail: plain(
      ['From: Mailprotector <postmaster@outbound.mailprotector.example>', VERP, 'Subject: Undeliverable: Your order'],
      [
        'Message not delivered. Reason: host mx.dest.example[198.51.100.4] said: 550 5.1.1 <ann.b@dest.example>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)',
      ],
    ),
    kind: 'bounce',
    recipients: ['ann.b@dest.example'],
    hard: true,
    status: '5.1.1',
  },
  {
    format:
      'Mailprotector: the same line with a greylisting 450 and no word of a retry is the relay giving up: a bounce, soft, the address kept (support.mailprotector.com, "Common Email Bouncebacks")',
    mail: plain(
      ['From: Mailprotector <postmaster@outbound.mailprotector.example>', VERP, 'Subject: Undeliverable: Your order'],
      [
        'Message not delivered. Reason: host mx.dest.example[198.51.100.4] said: 450 4.2.0 <bo.c@dest.example>: Recipient address rejected: Greylisted, see https://grey.dest.example/ (in reply to RCPT TO command)',
      ],
    ),
    kind: 'bounce',
    recipients: ['bo.c@dest.example'],
    hard: false,
    category: 'greylisted',
  },
  {
    format:
      'SmarterMail: "Could not deliver message to the following recipient(s):", "Failed Recipient:", "Reason: The mailbox is full" (published samples: kb.indsoft.net/kb/a70, support.rackteam.com/kb/a136)',
    mail: smartermail('carl.d@host.example', 'The mailbox is full'),
    kind: 'bounce',
    recipients: ['carl.d@host.example'],
    hard: false,
    category: 'mailbox-full',
  },
  {
    format:
      'SmarterMail: "Reason: Failed to connect to the recipients mail server. No MX records were found for the \'…\' domain." (published samples: kb.indsoft.net/kb/a70, support.rackteam.com/kb/a136)',
    mail: smartermail('dora.e@nomx.example', "Failed to connect to the recipients mail server. No MX records were found for the 'nomx.example' domain.", [
      '',
      'Failed all attempts to connect to the recipients mail server.',
      "Attempted to send the message to the following ip's: 198.51.100.77",
    ]),
    kind: 'bounce',
    recipients: ['dora.e@nomx.example'],
  },
  {
    format:
      'SmarterMail: "Reason: The domain size limit has been exceeded" is the recipient domain out of space, soft (published samples: kb.indsoft.net/kb/a70)',
    mail: smartermail('emil.f@host.example', 'The domain size limit has been exceeded'),
    kind: 'bounce',
    recipients: ['emil.f@host.example'],
    hard: false,
  },
  {
    format:
      'Amazon SES, emailed notice: "The following message to <address> was undeliverable.", "The reason for the problem:", the summary "5.1.0 - Unknown address error" in front of the remote answer, which decides: "Relaying denied" is no verdict on the address (the notice as public bounce-parser test data quotes it; the reason and answer as Cisco AsyncOS\'s bounce log examples word them)',
    mail: report(
      ['From: MAILER-DAEMON@email-smtp.amazonses.example', VERP, 'Subject: Delivery Status Notification (Failure)'],
      [
        'The following message to <gil.o@partner.example> was undeliverable.',
        'The reason for the problem:',
        "5.1.0 - Unknown address error 550-'<gil.o@partner.example>... Relaying denied'",
      ],
      [
        'Reporting-MTA: dns; a192-10.smtp-out.amazonses.example',
        '',
        'Final-Recipient: rfc822;gil.o@partner.example',
        'Action: failed',
        'Status: 5.0.0 (permanent failure)',
        'Remote-MTA: dns; [198.51.100.30]',
        "Diagnostic-Code: smtp; 5.1.0 - Unknown address error 550-'<gil.o@partner.example>... Relaying denied' (delivery attempts: 0)",
      ],
    ),
    kind: 'bounce',
    recipients: ['gil.o@partner.example'],
    hard: false,
    category: 'relay-denied',
  },
  {
    format:
      'Cisco IronPort / Secure Email (AsyncOS): a delay warning, a DSN (Action: delayed) with its reason "4.1.0 - Unknown address error" and a 451 that blocks our IP and names the remote postmaster: a delay, soft, the postmaster no recipient (Cisco AsyncOS user guide: DSN format, delay warning messages, bounce log examples)',
    mail: report(
      ['From: Mail Delivery System <MAILER-DAEMON@esa1.shop.example>', VERP, 'Subject: Delivery Status Notification (Delay)'],
      [],
      [
        'Reporting-MTA: dns; esa1.shop.example',
        '',
        'Final-Recipient: rfc822;hal.p@partner.example',
        'Action: delayed',
        'Status: 4.0.0 (temporary failure)',
        "Diagnostic-Code: smtp; 4.1.0 - Unknown address error 451-'<hal.p@partner.example> Automated block triggered by suspicious activity from your IP address (192.0.2.10). Have your system administrator send e-mail to postmaster@partner.example if you believe this block is in error' (delivery attempts: 2)",
      ],
    ),
    kind: 'delay',
    recipients: ['hal.p@partner.example'],
    hard: false,
  },
  {
    format:
      'Dovecot LDA/LMTP: "Rejected: <subject>", "Your message to <address> was automatically rejected:" and its default quota text "Quota exceeded (mailbox for user is full)": a full mailbox, soft (dovecot lda-settings.c, quota.c)',
    mail: sieveRejection(
      'Mail Delivery Subsystem <MAILER-DAEMON@mx.dest.example>',
      'Rejected: Your order',
      ['Your message to <ida.k@dest.example> was automatically rejected:', 'Quota exceeded (mailbox for user is full)'],
      'mx.dest.example; Dovecot Mail Delivery Agent',
      'ida.k@dest.example',
    ),
    kind: 'bounce',
    recipients: ['ida.k@dest.example'],
    hard: false,
    category: 'mailbox-full',
  },
  {
    format:
      "Dovecot Pigeonhole: a Sieve \"reject\" with the user's own reason is the recipient's filter, the address in use (dovecot lda-settings.c, Pigeonhole's reject action)",
    mail: sieveRejection(
      'Mail Delivery Subsystem <MAILER-DAEMON@mx.dest.example>',
      'Rejected: Your order',
      ['Your message to <ida.k@dest.example> was automatically rejected:', 'I do not accept messages from this sender'],
      'mx.dest.example; Dovecot Mail Delivery Agent',
      'ida.k@dest.example',
    ),
    kind: 'bounce',
    recipients: ['ida.k@dest.example'],
    hard: false,
    category: 'policy',
  },
  {
    format:
      'Cyrus IMAP: "Automatically rejected mail" from its "Mail Sieve Subsystem", "Your message was automatically rejected by Sieve, a mail filtering language.", "The following reason was given:" (cyrus-imapd lmtpd\'s send_rejection)',
    mail: sieveRejection(
      'Mail Sieve Subsystem <postmaster@imap.dest.example>',
      'Automatically rejected mail',
      [
        'Your message was automatically rejected by Sieve, a mail',
        'filtering language.',
        '',
        'The following reason was given:',
        'Not interested in newsletters',
      ],
      'imap.dest.example; Cyrus 3.0/3.0',
      'jo.l@dest.example',
    ),
    kind: 'bounce',
    recipients: ['jo.l@dest.example'],
    hard: false,
    category: 'policy',
  },
  {
    format: 'Haraka: "Intended Recipients:" / "Failure Reason:", the remote refusal in Diagnostic-Code (Haraka\'s outbound.bounce_message, outbound/hmail.js)',
    mail: haraka('kit.m@dest.example', 'Upstream error: 550 5.1.1 <kit.m@dest.example>: Recipient address rejected: User unknown in virtual mailbox table', [
      'Action: failed',
      'Status: 5.1.1',
      'Remote-MTA: dns; mx.dest.example',
      'Diagnostic-Code: smtp;550 5.1.1 <kit.m@dest.example>: Recipient address rejected: User unknown in virtual mailbox table',
    ]),
    kind: 'bounce',
    recipients: ['kit.m@dest.example'],
    hard: true,
    status: '5.1.1',
  },
  {
    format:
      'Haraka: its own "Domain … sends and receives no email (NULL MX)", only in the Status comment, no Diagnostic-Code: hard (Haraka\'s outbound/hmail.js)',
    mail: haraka('lou.n@nomail.example', 'Domain nomail.example sends and receives no email (NULL MX)', [
      'Action: failed',
      'Status: 5.1.2 (550 Domain nomail.example sends and receives no email (NULL MX))',
    ]),
    kind: 'bounce',
    recipients: ['lou.n@nomail.example'],
    hard: true,
  },
  {
    format:
      'chasquid: "Delivery to the following recipient(s) failed permanently:", "  - address", the error under "----- Technical details -----", X-Failed-Recipients (chasquid internal/queue/dsn.go)',
    mail: plain(
      [
        'From: Mail Delivery System <postmaster-dsn@mx.shop.example>',
        VERP,
        'Subject: Mail delivery failed: returning message to sender',
        'X-Failed-Recipients: nia.p@dest.example, ',
        'Auto-Submitted: auto-replied',
      ],
      [
        'Delivery to the following recipient(s) failed permanently:',
        '',
        '  - nia.p@dest.example',
        '',
        '----- Technical details -----',
        '',
        '- "nia.p@dest.example" (EMAIL) failed with error:',
        '    550 5.2.2 <nia.p@dest.example>: mailbox full',
        '',
        '----- Original message -----',
        '',
        'From: news@shop.example',
        'To: nia.p@dest.example',
        'Subject: Your order',
        'Message-ID: <order-77@shop.example>',
        '',
        'hello',
      ],
    ),
    kind: 'bounce',
    recipients: ['nia.p@dest.example'],
    hard: false,
    category: 'mailbox-full',
  },
  {
    format:
      'maddy: "This is the mail delivery system at …", "Delivery to <address> failed with error: …", its X-Maddy-Sender field naming our sender, the returned header as message/rfc822-headers (maddy internal/dsn/dsn.go)',
    mail: Buffer.from(
      [
        'Content-Type: multipart/report; report-type=delivery-status; boundary=b7',
        'MIME-Version: 1.0',
        'Auto-Submitted: auto-replied',
        VERP,
        'From: MAILER-DAEMON@mx.shop.example',
        'Subject: Undelivered Mail Returned to Sender',
        '',
        '--b7',
        'Content-Type: text/plain; charset="utf-8"',
        'Content-Description: Notification',
        '',
        'This is the mail delivery system at mx.shop.example.',
        '',
        'Unfortunately, your message could not be delivered to one or more',
        'recipients. The usual cause of this problem is invalid',
        'recipient address or maintenance at the recipient side.',
        '',
        'Contact the postmaster for further assistance, provide the Message ID (below):',
        '',
        'Message ID: 3f2a1b0c',
        '',
        'Delivery to oda.q@dest.example failed with error: 550 5.1.1 <oda.q@dest.example>: Recipient address rejected: User unknown',
        '',
        '--b7',
        'Content-Type: message/delivery-status',
        'Content-Description: Delivery report',
        '',
        'Reporting-MTA: dns; mx.shop.example',
        'X-Maddy-Sender: rfc822; news@shop.example',
        'X-Maddy-MsgID: 3f2a1b0c',
        '',
        'Final-Recipient: rfc822; oda.q@dest.example',
        'Action: failed',
        'Status: 5.1.1',
        'Diagnostic-Code: smtp; 550 5.1.1 <oda.q@dest.example>: Recipient address rejected: User unknown',
        'Remote-MTA: dns; mx.dest.example',
        '',
        '--b7',
        'Content-Description: Undelivered message header',
        'Content-Type: message/rfc822-headers',
        '',
        ...copyTo('oda.q@dest.example'),
        '',
        '--b7--',
        '',
      ].join('\r\n'),
    ),
    kind: 'bounce',
    recipients: ['oda.q@dest.example'],
    hard: true,
    status: '5.1.1',
  },
  {
    format:
      'mox: "Delivery has failed permanently for your email to:", the error under "Error during the last delivery attempt:" and "Full SMTP response:" (mox queue/dsn.go)',
    mail: report(
      ['From: <postmaster@mail.shop.example>', VERP, 'Subject: mail delivery failed', 'References: <order-77@shop.example>'],
      [
        'Delivery has failed permanently for your email to:',
        '',
        '\tpia.r@dest.example',
        '',
        'No further deliveries will be attempted.',
        '',
        'Error during the last delivery attempt:',
        '',
        '\t552 5.2.2 mailbox full',
        '',
        'Full SMTP response:',
        '',
        '\t552 5.2.2 mailbox full',
      ],
      [
        'Reporting-MTA: dns; mail.shop.example',
        '',
        'Final-Recipient: rfc822; pia.r@dest.example',
        'Action: failed',
        'Status: 5.2.2',
        'Diagnostic-Code: smtp; 552 5.2.2 mailbox full',
      ],
    ),
    kind: 'bounce',
    recipients: ['pia.r@dest.example'],
    hard: false,
    category: 'mailbox-full',
  },
  {
    format: 'mox: "Delivery has been delayed of your email to:", "Next attempts to deliver: in 4 hours, 8 hours and 16 hours." (mox queue/dsn.go)',
    mail: report(
      ['From: <postmaster@mail.shop.example>', VERP, 'Subject: mail delivery delayed', 'References: <order-77@shop.example>'],
      [
        'Delivery has been delayed of your email to:',
        '',
        '\tpia.r@dest.example',
        '',
        'Next attempts to deliver: in 4 hours, 8 hours and 16 hours.',
        'If these attempts all fail, you will receive a notice.',
        '',
        'Error during the last delivery attempt:',
        '',
        '\t451 4.7.1 greylisted, try again later',
      ],
      [
        'Reporting-MTA: dns; mail.shop.example',
        '',
        'Final-Recipient: rfc822; pia.r@dest.example',
        'Action: delayed',
        'Status: 4.7.1',
        'Diagnostic-Code: smtp; 451 4.7.1 greylisted, try again later',
        'Will-Retry-Until: Sun, 6 Dec 2026 14:00:00 +0000',
      ],
    ),
    kind: 'delay',
    recipients: ['pia.r@dest.example'],
    hard: false,
    category: 'greylisted',
  },
  {
    format:
      "Stalwart: its failure heading alone (that version adds the failed lines only under a delay), the recipient only in the fields, a 550 without enhanced code reported as Status 5.5.0 (stalwart smtp queue dsn.rs; the notice's own header lines made up)",
    mail: report(
      ['From: MAILER-DAEMON@mx.shop.example', VERP, 'Subject: Delivery Status Notification'],
      ['Your message could not be delivered to the following recipients:', ''],
      [
        'Reporting-MTA: dns;mx.shop.example',
        'Arrival-Date: Sat, 5 Dec 2026 09:00:00 +0000',
        '',
        'Final-Recipient: rfc822;quin.s@dest.example',
        'Action: failed',
        'Status: 5.5.0',
        'Diagnostic-Code: smtp;550 Mailbox does not exist',
        'Remote-MTA: dns;mx.dest.example',
      ],
    ),
    kind: 'bounce',
    recipients: ['quin.s@dest.example'],
    hard: true,
    category: 'mailbox-unknown',
  },
  {
    format:
      'Stalwart: "There has been a delay delivering your message to the following recipients:", "<address> (connection to \'host\' failed: …)", Will-Retry-Until (stalwart smtp queue dsn.rs)',
    mail: report(
      ['From: MAILER-DAEMON@mx.shop.example', VERP, 'Subject: Delivery Status Notification'],
      [
        'There has been a delay delivering your message to the following recipients:',
        '',
        "<rae.t@dest.example> (connection to 'mx.dest.example' failed: Connection refused)",
      ],
      [
        'Reporting-MTA: dns;mx.shop.example',
        '',
        'Final-Recipient: rfc822;rae.t@dest.example',
        'Action: delayed',
        'Status: 4.0.0',
        'Remote-MTA: dns;mx.dest.example',
        'Will-Retry-Until: Tue, 8 Dec 2026 09:00:00 +0000',
      ],
    ),
    kind: 'delay',
    recipients: ['rae.t@dest.example'],
    hard: false,
  },
  {
    format:
      'NetEase (163.com/126.com): "很抱歉您发送的邮件被退回", "无法发送到 <address>", under "退信原因" the reason "收件人邮件地址（<address>）不存在" (the address against full-width brackets): no such user (the notice as public bounce-checking test data quotes it)',
    mail: Buffer.from(
      [
        'From: postmaster@163.example',
        VERP,
        'Subject: =?UTF-8?B?5p2l6IeqMTYzLmV4YW1wbGXnmoTpgIDkv6E=?=',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=UTF-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        '很抱歉您发送的邮件被退回，以下是该邮件的相关信息：',
        '',
        '被退回邮件',
        '主 题：Your order',
        '时 间：2026-12-05 10:20:31',
        '',
        '无法发送到 li.wei@oldcorp.example',
        '',
        '退信原因',
        '收件人邮件地址（li.wei@oldcorp.example）不存在，邮件无法送达。',
        '',
        '解决方案',
        '请联系您的收件人，重新核实邮箱地址，或发送到其他收信邮箱。',
        '',
      ].join('\r\n'),
    ),
    kind: 'bounce',
    recipients: ['li.wei@oldcorp.example'],
    // (Soft: NetEase's prose alone says so, with no reply code, status or stage — see classification.ts, proseOnly.)
    hard: false,
    category: 'mailbox-unknown',
  },
  {
    format:
      'NetEase, HTML: "未知原因" (reason unknown) then the remote server\'s own answer "host … said: …" under "退信原因" (the notice as public bounce-checking test data quotes it)',
    mail: Buffer.from(
      [
        'From: postmaster@163.example',
        VERP,
        'Subject: =?UTF-8?B?5p2l6IeqMTYzLmV4YW1wbGXnmoTpgIDkv6E=?=',
        'MIME-Version: 1.0',
        'Content-Type: text/html; charset=UTF-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        '<html><body>',
        '<p>很抱歉您发送的邮件被退回，以下是该邮件的相关信息：</p>',
        '<table><tr><td>被退回邮件</td>',
        '<td>主 题：Your order <br/>时 间：2026-12-05 14:31:25 </td></tr></table>',
        '<table><tr><td colspan="2">无法发送到 wang.fang@dest.example</td></tr>',
        '<tr><td>退信原因</td><td> 未知原因 <br /> host mx.dest.example[198.51.100.8]',
        'said: 550 5.2.2 <wang.fang@dest.example>: Recipient address rejected: mailbox full (in reply to RCPT TO command)</td></tr></table>',
        '</body></html>',
        '',
      ].join('\r\n'),
    ),
    kind: 'bounce',
    recipients: ['wang.fang@dest.example'],
    hard: false,
    category: 'mailbox-full',
  },
  {
    format:
      'Yahoo (qmail): "<IP> failed after I sent the message.", "Remote host said: 554 delivery error: dd This user doesn\'t have a … account (<address>) [-5]": the address only inside the reply (Yahoo\'s German help page\'s sample, de.hilfe.yahoo.com sln3275)',
    mail: plain(
      ['From: MAILER-DAEMON@mta5.mail.yahoo.example', VERP, 'Subject: failure notice'],
      [
        'Hi. This is the qmail-send program at yahoo.example.',
        "I'm afraid I wasn't able to deliver your message to the following addresses.",
        "This is a permanent error; I've given up. Sorry it didn't work out.",
        '',
        '198.51.100.89 failed after I sent the message.',
        "Remote host said: 554 delivery error: dd This user doesn't have a yahoo.example account (sam.u@yahoo.example) [-5] - mta123.mail.mud.yahoo.example",
        '',
        '--- Below this line is a copy of the message.',
        '',
        'From: Shop <news@shop.example>',
        'Subject: Your order',
        'To: sam.u@yahoo.example',
        '',
        'hello',
      ],
    ),
    kind: 'bounce',
    recipients: ['sam.u@yahoo.example'],
    hard: true,
    category: 'mailbox-unknown',
  },
  {
    format:
      'Naver (qmail): "CNAME lookup failed temporarily. (#4.4.3)" then "this message has been in the queue too long" is an expiry after a DNS failure, soft (adminplay.com/Mail/1844)',
    mail: plain(
      ['From: MAILER-DAEMON@mail.naver.example', VERP, 'Subject: failure notice'],
      [
        'Hi. This is the qmail-send program at mail.naver.example.',
        "I'm afraid I wasn't able to deliver your message to the following addresses.",
        "This is a permanent error; I've given up. Sorry it didn't work out.",
        '',
        '<min.j@partner.example>:',
        'CNAME lookup failed temporarily. (#4.4.3)',
        "I'm not going to try again; this message has been in the queue too long.",
        '',
        '--- Below this line is a copy of the message.',
        '',
        'From: news@shop.example',
        'To: min.j@partner.example',
      ],
    ),
    kind: 'bounce',
    recipients: ['min.j@partner.example'],
    hard: false,
  },
  {
    format:
      'NTT docomo: a transcript naming RCPT ("<<< 550 Unknown user …") under "Your message to the following recipients cannot be delivered:" is no such user (Rhost::NTTDOCOMO)',
    mail: report(
      ['From: Mail Delivery Subsystem <MAILER-DAEMON@mta.shop.example>', VERP, 'Subject: Returned mail: see transcript for details'],
      [
        'Your message to the following recipients cannot be delivered:',
        '',
        '<aoi.m@docomo.example>:',
        'mfsmax.docomo.example [198.51.100.112]:',
        '>>> RCPT TO:<aoi.m@docomo.example>',
        '<<< 550 Unknown user aoi.m@docomo.example',
      ],
      [
        'Reporting-MTA: dns; mta.shop.example',
        '',
        'Final-Recipient: rfc822; aoi.m@docomo.example',
        'Action: failed',
        'Status: 5.0.0',
        'Remote-MTA: dns; mfsmax.docomo.example [198.51.100.112]',
        'Diagnostic-Code: smtp; 550 Unknown user aoi.m@docomo.example',
      ],
    ),
    kind: 'bounce',
    recipients: ['aoi.m@docomo.example'],
    hard: true,
  },
  {
    format: 'NTT docomo: the same "550 Unknown user" answered to the end of DATA is its recipient-side filter, not a missing address (Rhost::NTTDOCOMO)',
    mail: report(
      ['From: MAILER-DAEMON@mta.shop.example (Mail Delivery System)', VERP, 'Subject: Undelivered Mail Returned to Sender'],
      [
        'This is the mail system at host mta.shop.example.',
        '',
        "I'm sorry to have to inform you that your message could not",
        "be delivered to one or more recipients. It's attached below.",
        '',
        '<ren.k@docomo.example>: host mfsmax.docomo.example[198.51.100.240] said:',
        '    550 Unknown user ren.k@docomo.example (in reply to end of DATA',
        '    command)',
      ],
      [
        'Reporting-MTA: dns; mta.shop.example',
        '',
        'Final-Recipient: rfc822; ren.k@docomo.example',
        'Original-Recipient: rfc822;ren.k@docomo.example',
        'Action: failed',
        'Status: 5.0.0',
        'Remote-MTA: dns; mfsmax.docomo.example',
        'Diagnostic-Code: smtp; 550 Unknown user ren.k@docomo.example',
      ],
    ),
    kind: 'bounce',
    recipients: ['ren.k@docomo.example'],
    hard: false,
  },
];

for (const c of CASES) {
  test(c.format, async () => {
    const r = await parseBounce(c.mail);
    // One comparison of everything the case states (fields it leaves out are not compared), so that a
    // failure shows every difference at once, with the rule and the diagnostic that decided each recipient.
    const stated = <T>(given: unknown, value: T): T | undefined => (given === undefined ? undefined : value);
    const want = { kind: c.kind, recipients: c.recipients.map((address) => ({ address, hard: c.hard, status: c.status, category: c.category })) };
    const got = {
      kind: r.kind,
      recipients: r.recipients.map((x) => ({
        address: x.address,
        hard: stated(c.hard, x.hard),
        status: stated(c.status, x.status),
        category: stated(c.category, x.category),
      })),
    };
    assert.deepEqual(got, want, r.recipients.map((x) => `${x.evidence?.rule}: ${x.diagnostic}`).join(' | '));
  });
}

/**
 * Replies as providers' and hosts' own lists of their bounce texts give them, with the status a report
 * would carry: whether the address is suppressed. Filtering services' and relays' documented codes (Sophos, Trend
 * Micro, a relay service's prefixes), German providers, Korean providers (Naver, Daum/Kakao, Yahoo Korea as listed
 * by puffinknight.tistory.com/102 and oliveit.tistory.com/39), Chinese hosts (emailhost.com.cn's and
 * 263.net's lists, Coremail's list at icoremail.vip).
 */
const REPLIES: [diagnostic: string, status: string, hard: boolean, category?: string][] = [
  ['421 4.3.2 Your IP(192.0.2.1) is filtered and this connection will be closed. You must register your IP to http://realip.naver.example', '4.3.2', false],
  ['550 5.1.1 RUSR 192.0.2.1: No such user: <kim@daum.example>', '5.1.1', true, 'mailbox-unknown'],
  ['421 4.4.1 CHIC 192.0.2.1: Network is busy.', '4.4.1', false],
  ['421 4.4.5 CCRT 192.0.2.1: Connection refused. Server is busy(RT)', '4.4.5', false],
  ['550 5.1.1 Inactive mbox', '5.1.1', false, 'mailbox-disabled'],
  ['550 5.1.1 Suspended user', '5.1.1', false, 'mailbox-disabled'],
  ['550 user not exist (in reply to RCPT TO command)', '5.0.0', true, 'mailbox-unknown'],
  ['550 收件人不存在', '5.0.0', true, 'mailbox-unknown'],
  ['552 Quota exceeded', '5.0.0', false, 'mailbox-full'],
  ['550 sending quota exceeded', '5.0.0', false, 'rate-limited'],
  ['554 Content reject', '5.0.0', false, 'content-or-spam'],
  ['550 User not found', '5.0.0', true, 'mailbox-unknown'],
  ['550 User suspended', '5.0.0', false, 'mailbox-disabled'],
  ['554 5.0.0 Service unavailable (kim: mail is denied, by spam filter)', '5.0.0', false],
  // Sophos Central Email's documented codes (docs.sophos.com, "SMTP error codes"); the texts around them are made up.
  ['550 XGEMAIL_0011 Command rejected', '5.0.0', true, 'mailbox-unknown'],
  ['550 5.7.1 XGEMAIL_0010 Command rejected', '5.7.1', false, 'relay-denied'],
  ['550 5.1.1 XGEMAIL_0009 Command rejected', '5.1.1', false, 'policy'],
  ['554 XGEMAIL_0004 Command rejected', '5.0.0', false, 'reputation-or-blocklist'],
  ['550 XGEMAIL_0014 Command rejected', '5.0.0', false, 'rate-limited'],
  ['554 5.7.28 Mail flood detected', '5.7.28', false, 'rate-limited'],
  // Recipient servers' refusals as Broadcom's KB 162445 lists them for Email Security.cloud's outbound notices.
  ['552 MS-Office file containing VBA macros found inside of the email', '5.0.0', false, 'virus'],
  ['554 5.7.1 Recipient address rejected: No such user', '5.7.1', true, 'mailbox-unknown'],
  // Trend Micro Deep Discovery Email Inspector's documented answers (docs.trendmicro.com, "SMTP error codes"):
  // its sender filter refuses with a 521, which is about our sender, not a domain that takes no mail.
  ['521 Block permanently (Sender Filtering/Authentication)', '5.0.0', false, 'policy'],
  ['421 Block temporarily (Sender Filtering/Authentication)', '4.0.0', false],
  ['550 Permanent denial of connection (550) for RBL+ matches (ERS)', '5.0.0', false, 'reputation-or-blocklist'],
  // A relay service's documented prefixes (portal.iridis.uk, mailRelay response codes).
  ['550 RPT-VFY Recipient does not exist', '5.0.0', true, 'mailbox-unknown'],
  ['550 RPT-VFY Recipient domain does not exist', '5.0.0', true, 'domain-unknown'],
  ['550 SND-VFY Sender domain does not exist', '5.0.0', false, 'policy'],
  ['451 HST-RTE Hourly send rate exceeded, retry later.', '4.0.0', false, 'rate-limited'],
  // German providers as a German host's list of typical replies words them (sitepackage.de, "Typische
  // Fehlermeldungen bei Unzustellbarkeit": GMX, WEB.DE, T-Online, Lycos).
  ['550 5.2.1 <jan@gmx.example>... User is inactive', '5.2.1', false, 'mailbox-disabled'],
  ['550 Benutzer nicht bekannt/User unknown', '5.0.0', true, 'mailbox-unknown'],
  ['550 Benutzer hat das Speichervolumen ueberschritten. / User has exhausted allowed storage space.', '5.0.0', false, 'mailbox-full'],
  ['550 Benutzer hat zuviele Mails auf dem Server. / User has too many messages on the server.', '5.0.0', false, 'mailbox-full'],
  ['552 5.2.2 Over STORAGE quota', '5.2.2', false, 'mailbox-full'],
  ['554 Refused. Your reverse DNS entry contains your IP address and a country code.', '5.0.0', false],
];

test("Korean, Chinese and filtering services' replies, as their own lists word them, decide whether the address is suppressed", () => {
  for (const [diagnostic, status, hard, category] of REPLIES) {
    const action = status.startsWith('4') ? 'delayed' : 'failed';
    const r = classifyRecipient({ address: 'x@dest.example', action, status, diagnostic, category: null, hard: null });
    assert.deepEqual({ hard: r.hard, category: category === undefined ? undefined : r.category }, { hard, category }, `${diagnostic} (${r.evidence?.rule})`);
  }
});
