/**
 * One realistic (synthetic) reply per rule of src/classify/rules.ts, written in the style of the MTA or
 * provider the rule is about. Each row asserts the rule that fired and its category; a last test checks
 * that no rule of the table is left without a row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../../src/classify/index.js';
import { CODE_RULES, ENHANCED_RULES, PROVIDER_RULES, SUBJECT_RULES, VAGUE_RULES, WORDING_RULES } from '../../src/classify/rules.js';
import type { Category, ResponseInput } from '../../src/classify/types.js';

type Row = [rule: string, input: ResponseInput, category: Category];
const r = (
  phase: ResponseInput['phase'],
  code: number | null,
  enhanced: string | null,
  text: string | null,
  extra: Partial<ResponseInput> = {},
): ResponseInput => ({ phase, code, enhanced, text, ...extra });

const ROWS: Row[] = [
  // Providers
  [
    'provider:gmail-no-such-user',
    r(
      'rcpt',
      550,
      '5.1.1',
      "The email account that you tried to reach does not exist. Please try\n5.1.1 double-checking the recipient's email address for typos or\n5.1.1 unnecessary spaces. Learn more at\n5.1.1  https://support.google.com/mail/?p=NoSuchUser d2e1a72fcca58-72c0c8bb5b3si1234567b3a.123 - gsmtp",
    ),
    'mailbox-unknown',
  ],
  [
    'provider:gmail-disabled',
    r(
      'rcpt',
      550,
      '5.2.1',
      'The email account that you tried to reach is disabled. Learn more at\n5.2.1  https://support.google.com/mail/?p=DisabledUser a1si2233445qkb.12 - gsmtp',
    ),
    'mailbox-disabled',
  ],
  [
    'provider:gmail-over-quota',
    r(
      'rcpt',
      552,
      '5.2.2',
      "The recipient's inbox is out of storage space and inactive. Please\n5.2.2 direct the recipient to\n5.2.2  https://support.google.com/mail/?p=OverQuotaPerm z7si991qtb.40 - gsmtp",
    ),
    'mailbox-full',
  ],
  [
    'provider:gmail-receiving-rate',
    r(
      'rcpt',
      450,
      '4.2.1',
      'The user you are trying to contact is receiving mail at a rate that\n4.2.1 prevents additional messages from being delivered. Please resend your\n4.2.1 message at a later time. https://support.google.com/mail/?p=ReceivingRate - gsmtp',
    ),
    'rate-limited',
  ],
  [
    'provider:gmail-unauthenticated',
    r(
      'data',
      550,
      '5.7.26',
      'This mail has been blocked because the sender is unauthenticated.\n5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM.\n5.7.26  Authentication results:\n5.7.26  DKIM = did not pass\n5.7.26  SPF [example.com] with ip: [192.0.2.10] = did not pass',
    ),
    'authentication-policy',
  ],
  [
    'provider:gmail-unsolicited-rate',
    r(
      'rcpt',
      421,
      '4.7.28',
      '[192.0.2.10      15] Our system has detected an unusual rate of\n4.7.28 unsolicited mail originating from your IP address. To protect our\n4.7.28 users from spam, mail sent from your IP address has been temporarily\n4.7.28 rate limited. https://support.google.com/mail/?p=UnsolicitedRateLimitError - gsmtp',
    ),
    'reputation-or-blocklist',
  ],
  [
    'provider:gmail-unsolicited-block',
    r(
      'data',
      550,
      '5.7.1',
      '[192.0.2.10] There is an unusual rate of unsolicited mail originating from your IP address.\n5.7.1 To protect our users from spam, mail sent from your IP address has been blocked. - gsmtp',
    ),
    'reputation-or-blocklist',
  ],
  [
    'provider:gmail-security-issue',
    r(
      'data',
      552,
      '5.7.0',
      'This message was blocked because its content presents a potential\n5.7.0 security issue. Please visit\n5.7.0  https://support.google.com/mail/?p=BlockedMessage to review our\n5.7.0 message content and attachment content guidelines. - gsmtp',
    ),
    'virus',
  ],
  ['provider:microsoft-content-spam', r('data', 550, '5.7.520', 'Message blocked because it contains content identified as spam. AS(4810)'), 'content-or-spam'],
  [
    'provider:dnsbl-query-refused',
    r(
      'rcpt',
      554,
      '5.7.1',
      'Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org; Error: open resolver; https://www.spamhaus.org/returnc/pub/198.51.100.7',
    ),
    'system-error',
  ],
  [
    'provider:exim-callout-null-sender',
    r(
      'mail',
      550,
      null,
      'Callback setup failed while verifying <app@sender.example>\n(result of an earlier callout reused).\nThe initial connection, or a HELO or MAIL FROM:<> command was\nrejected. Refusing MAIL FROM:<> does not help fight spam, disregards\nRFC requirements, and stops you from receiving standard bounce\nmessages. This host does not accept mail from domains whose servers\nrefuse bounces.',
    ),
    'policy',
  ],
  [
    'provider:gmail-likely-unsolicited',
    r(
      'data',
      550,
      '5.7.1',
      '[192.0.2.10] Our system has detected that this message is\n5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail,\n5.7.1 this message has been blocked. https://support.google.com/mail/?p=UnsolicitedMessageError - gsmtp',
    ),
    'content-or-spam',
  ],
  [
    'provider:gmail-not-whitelisted-ip',
    r(
      'rcpt',
      550,
      '5.7.1',
      "[198.51.100.7] The IP you're using to send mail is not authorized to\n5.7.1 send email directly to our servers. Please use the SMTP relay at your\n5.7.1 service provider instead. https://support.google.com/mail/?p=NotAuthorizedError - gsmtp",
    ),
    'reputation-or-blocklist',
  ],
  [
    'provider:gmail-sending-limit',
    r(
      'data',
      550,
      '5.4.5',
      'Daily user sending limit exceeded. For more information on Gmail\n5.4.5 sending limits go to\n5.4.5  https://support.google.com/a/answer/166852 - gsmtp',
    ),
    'rate-limited',
  ],
  [
    'provider:google-connect-failed',
    r(
      'dsn',
      null,
      '4.4.1',
      'The recipient server did not accept our requests to connect. Learn more at https://support.google.com/mail/answer/7720 [mx.example.net 203.0.113.9: timed out]',
    ),
    'connection-failure',
  ],
  ['provider:microsoft-dbeb-504', r('rcpt', 550, '5.7.504', 'Recipient address rejected: Access denied'), 'mailbox-unknown'],
  ['provider:microsoft-dbeb-status', r('dsn', 550, '5.4.1', 'smtp; 550 5.4.1 Recipient address rejected: Access denied'), 'mailbox-unknown'],
  ['provider:recipient-access-denied', r('rcpt', 554, '5.7.1', '<ann@example.org>: Recipient address rejected: Access denied'), 'mailbox-unknown'],
  [
    'provider:microsoft-dbeb',
    r(
      'rcpt',
      550,
      '5.4.1',
      'Recipient address rejected: Access denied. For more information see https://aka.ms/EXOSmtpErrors [AM4PEPF00027A5C.eurprd04.prod.outlook.com 2024-05-01T10:00:00.000Z 08DC6A7F]',
    ),
    'mailbox-unknown',
  ],
  [
    'provider:microsoft-recipient-not-found',
    r('rcpt', 550, '5.1.10', 'RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'),
    'mailbox-unknown',
  ],
  [
    'provider:microsoft-mailbox-full',
    r(
      'dsn',
      null,
      '5.2.2',
      'smtp;554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded; Failed to process message due to a permanent exception',
    ),
    'mailbox-full',
  ],
  [
    'provider:microsoft-banned-ip',
    r(
      'rcpt',
      550,
      '5.7.1',
      "Service unavailable, Client host [198.51.100.23] blocked by the sender's reputation; see https://sender.office.com (AS16012609) [DB5PEPF00014B9D.eurprd02.prod.outlook.com]",
    ),
    'reputation-or-blocklist',
  ],
  [
    'provider:microsoft-reputation-throttle',
    r(
      'rcpt',
      451,
      '4.7.650',
      'The mail server [198.51.100.23] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775) [Name=Protocol Filter Agent]',
    ),
    'reputation-or-blocklist',
  ],
  [
    'provider:microsoft-group-restricted',
    r('dsn', null, '5.7.1', 'smtp;550 5.7.1 RESOLVER.RST.AuthRequired; authentication required [Stage: CreateMessage]'),
    'policy',
  ],
  [
    'provider:microsoft-domain-unreachable',
    r(
      'dsn',
      null,
      '5.5.0',
      'smtp;554 The mail could not be delivered to the recipient because the domain is not reachable. Please check the domain and try again (-1915321397:308:-2147467259)',
    ),
    'domain-unknown',
  ],
  [
    'provider:microsoft-dmarc',
    r('data', 550, '5.7.509', 'Access denied, sending domain example.com does not pass DMARC verification and has a DMARC policy of reject.'),
    'authentication-policy',
  ],
  [
    'provider:yahoo-deferred-volume',
    r(
      'rcpt',
      421,
      '4.7.0',
      '[TSS04] Messages from 198.51.100.23 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes',
    ),
    'reputation-or-blocklist',
  ],
  [
    'provider:yahoo-permanently-deferred',
    r(
      'connect',
      553,
      '5.7.2',
      '[TSS09] All messages from 198.51.100.23 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes',
    ),
    'reputation-or-blocklist',
  ],
  [
    'provider:yahoo-blocklist',
    r(
      'connect',
      553,
      '5.7.1',
      "[BL21] Connections will not be accepted from 198.51.100.23, because the ip is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes",
    ),
    'reputation-or-blocklist',
  ],
  [
    'provider:yahoo-content',
    r('data', 554, null, 'Message not allowed - [CS01] Message rejected due to local policy. See https://postmaster.yahooinc.com/error-codes'),
    'policy',
  ],
  [
    'provider:yahoo-no-account',
    r('dsn', null, '5.0.0', "smtp;554 delivery error: dd This user doesn't have a yahoo.com account (jane.doe@yahoo.com) [0] - mta1234.mail.gq1.yahoo.com"),
    'mailbox-unknown',
  ],
  [
    'provider:godaddy-hourly-limit',
    r('rcpt', 550, '5.1.1', '<ann@example.com>  - 198.51.100.7 has sent to too many recipients this hour. IB607  <http://x.co/rlbounce>'),
    'rate-limited',
  ],
  ['provider:aol-throttle', r('connect', 421, '4.7.1', ': (DYN:T1) https://postmaster.aol.com/error-codes#421dynt1'), 'rate-limited'],
  ['provider:aol-blocked', r('connect', 554, null, '- (RTR:BL) https://postmaster.aol.com/error-codes#554rtrbl'), 'reputation-or-blocklist'],
  [
    'provider:icloud-policy',
    r('data', 554, '5.7.1', '[HM08] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137'),
    'policy',
  ],
  [
    'provider:facebook-no-such-user',
    r('rcpt', 550, '5.1.1', 'RCP-P1 https://www.facebook.com/postmaster/response_codes?ip=192.0.2.135#rcp Attempted recipient address does not exist'),
    'mailbox-unknown',
  ],
  [
    'provider:facebook-deactivated',
    r(
      'rcpt',
      550,
      '5.1.1',
      'RCP-T4 https://www.facebook.com/postmaster/response_codes?ip=192.0.2.135#rcp Attempted recipient address is currently deactivated',
    ),
    'mailbox-disabled',
  ],
  [
    'provider:recipient-preferences',
    r('rcpt', 550, '5.1.1', 'RCP-P2 http://postmaster.facebook.com/response_codes?ip=192.0.2.135#rcp Refused due to recipient preferences'),
    'policy',
  ],
  ['provider:kddi-filtered', r('dsn', null, '5.0.0', 'smtp; 550 : User unknown'), 'policy'],
  ['provider:kddi-filtered', r('dsn', null, '5.0.0', 'host mx.au.example [192.0.2.8]: 550 : User unknown'), 'policy'],
  ['provider:kddi-filtered', r('dsn', null, '5.0.0', 'mx.au.example [192.0.2.8] did not like our RCPT TO: 550 : User unknown'), 'policy'],
  ['provider:kddi-filtered', r('dsn', null, '5.0.0', 'Sent <<< RCPT TO:<jo@au.example> Received >>> 550 : User unknown'), 'policy'],
  ['provider:kddi-filtered', r('dsn', null, '5.0.0', '----- Transcript of session follows ----- 550 : User unknown'), 'policy'],
  ['provider:proofpoint-blocked', r('connect', 554, null, 'Blocked - see https://ipcheck.proofpoint.com/?ip=198.51.100.23'), 'reputation-or-blocklist'],
  [
    'provider:mimecast-blocked-senders',
    r('rcpt', 550, null, 'Rejected by header based Blocked Senders - https://community.mimecast.com/docs/DOC-1369#550 [k3Jq9LmXPq2wz.us123]'),
    'policy',
  ],
  [
    'provider:mimecast-anti-spoofing',
    r('rcpt', 550, null, 'Rejected by header based Anti-Spoofing policy: jane@example.org - https://community.mimecast.com/docs/DOC-1369#550 [AbCdEf.uk66]'),
    'authentication-policy',
  ],
  [
    'provider:mimecast-reputation',
    r('connect', 554, null, 'Local CT IP Reputation - (reject) - https://community.mimecast.com/docs/DOC-1369#554 [xYz.eu1]'),
    'reputation-or-blocklist',
  ],
  [
    'provider:mimecast-spam-signature',
    r('data', 554, null, 'email rejected due to security policies - MCSpamSignature.sa.2.2 - https://community.mimecast.com/docs/DOC-1369#554'),
    'content-or-spam',
  ],
  [
    'provider:local-delivery-agent',
    r('dsn', null, '5.1.1', 'x-unix; procmail: Couldn\'t create "/var/spool/mail/jane" id: mx.example.org: No such user'),
    'system-error',
  ],
  ['provider:mailbox-suspended', r('rcpt', 550, '5.1.1', '<jane@example.org>: Mailbox is frozen'), 'mailbox-disabled'],
  [
    'provider:mailbox-suspended',
    r('dsn', null, '5.0.0', 'smtp; 550 [SUSPEND] Mailbox currently suspended - Please contact correspondent directly'),
    'mailbox-disabled',
  ],
  ['provider:mailbox-suspended', r('dsn', null, '5.1.1', 'smtp; 550 5.1.1 This account has been put on hold'), 'mailbox-disabled'],
  [
    'provider:dnsbl',
    r('rcpt', 554, '5.7.1', 'Service unavailable; Client host [198.51.100.23] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/198.51.100.23'),
    'reputation-or-blocklist',
  ],

  // Decisive statuses (neutral text, so only the status speaks)
  ['enhanced:X.1.1', r('rcpt', 550, '5.1.1', '<jane@example.org>... Rejected'), 'mailbox-unknown'],
  ['enhanced:X.1.2', r('rcpt', 550, '5.1.2', '<jane@example.invalid>... Rejected'), 'domain-unknown'],
  ['enhanced:X.1.3', r('rcpt', 501, '5.1.3', '<jane@@example.org>... Rejected'), 'mailbox-unknown'],
  ['enhanced:X.1.4', r('rcpt', 550, '5.1.4', 'jane: ambiguous'), 'mailbox-unknown'],
  ['enhanced:X.1.6', r('rcpt', 550, '5.1.6', '<jane@example.org>: see new address'), 'mailbox-moved'],
  ['enhanced:X.1.7', r('mail', 553, '5.1.7', '<bounce@@example.com>... Rejected'), 'policy'],
  ['enhanced:X.1.8', r('mail', 553, '5.1.8', '<bounce@example.com>... Rejected'), 'policy'],
  ['enhanced:X.1.10', r('rcpt', 556, '5.1.10', 'Recipient address has null MX'), 'no-mail-service'],
  ['enhanced:X.2.2', r('rcpt', 552, '5.2.2', '<jane@example.org>... Rejected'), 'mailbox-full'],
  ['enhanced:X.2.3', r('data', 552, '5.2.3', 'Rejected: 31457280 > 26214400'), 'message-too-large'],
  ['enhanced:X.2.4', r('rcpt', 550, '5.2.4', 'list-expansion problem for staff@example.org'), 'system-error'],
  ['enhanced:X.3.1', r('data', 452, '4.3.1', 'Rejected: queue file write error'), 'server-busy'],
  ['enhanced:5.3.2', r('connect', 521, '5.3.2', 'mx.example.org does not receive network mail'), 'no-mail-service'],
  ['enhanced:4.3.2', r('rcpt', 452, '4.3.2', 'Connection rate exceeded for your network'), 'server-busy'],
  ['enhanced:X.3.3', r('mail', 555, '5.3.3', 'SMTPUTF8 unsupported here'), 'protocol-error'],
  ['enhanced:X.3.4', r('data', 552, '5.3.4', 'Error: 30 MB > 25 MB'), 'message-too-large'],
  ['enhanced:X.3.5', r('rcpt', 451, '4.3.5', 'Server configuration problem'), 'system-error'],
  ['enhanced:4.4.1', r('dsn', null, '4.4.1', null), 'connection-failure'],
  ['enhanced:X.4.2', r('dsn', null, '4.4.2', null), 'connection-failure'],
  ['enhanced:X.4.3', r('dsn', null, '4.4.3', null), 'dns-failure'],
  ['enhanced:5.4.4', r('dsn', null, '5.4.4', null), 'domain-unknown'],
  ['enhanced:4.4.4', r('dsn', null, '4.4.4', null), 'dns-failure'],
  ['enhanced:X.4.5', r('rcpt', 451, '4.4.5', 'Insufficient resources, come back soon'), 'server-busy'],
  ['enhanced:X.4.6', r('dsn', null, '5.4.6', null), 'system-error'],
  ['enhanced:X.4.7', r('dsn', null, '4.4.7', null), 'expired'],
  ['enhanced:X.5.1', r('ehlo', 500, '5.5.1', 'Unknown verb'), 'protocol-error'],
  ['enhanced:X.5.2', r('rcpt', 501, '5.5.2', 'RCPT TO:<> not accepted'), 'protocol-error'],
  ['enhanced:X.5.3', r('rcpt', 452, '4.5.3', 'Too many recipients'), 'rate-limited'],
  ['enhanced:X.5.4', r('mail', 501, '5.5.4', 'Unknown MAIL FROM parameter BODY=9BIT'), 'protocol-error'],
  ['enhanced:X.5.5', r('ehlo', 500, '5.5.5', 'ESMTP not spoken here'), 'protocol-error'],
  ['enhanced:X.5.6', r('auth', 500, '5.5.6', 'Authentication Exchange line is too long'), 'protocol-error'],
  ['enhanced:X.6.7', r('rcpt', 553, '5.6.7', 'Non-ASCII addresses are not permitted for that recipient'), 'protocol-error'],
  ['enhanced:X.6.8', r('data', 550, '5.6.8', 'UTF-8 string reply is required, but not permitted by the SMTP client'), 'protocol-error'],
  ['enhanced:X.6.9', r('data', 550, '5.6.9', 'UTF-8 header message cannot be transferred to one or more recipients'), 'protocol-error'],
  ['enhanced:X.7.8', r('auth', 535, '5.7.8', 'Error: bad credentials'), 'policy'],
  ['enhanced:X.7.10', r('mail', 523, '5.7.10', 'Encryption Needed'), 'tls-required'],
  ['enhanced:X.7.11', r('auth', 524, '5.7.11', 'Encryption required for requested authentication mechanism'), 'tls-required'],
  ['enhanced:X.7.13', r('rcpt', 525, '5.7.13', 'User Account Disabled'), 'mailbox-disabled'],
  ['enhanced:X.7.16', r('mail', 552, '5.7.16', 'Message is too big for the specified priority'), 'message-too-large'],
  ['enhanced:X.7.17', r('rcpt', 550, '5.7.17', 'Mailbox owner has changed'), 'mailbox-moved'],
  ['enhanced:X.7.18', r('rcpt', 550, '5.7.18', 'Domain owner has changed'), 'mailbox-moved'],
  ['enhanced:X.7.20', r('data', 550, '5.7.20', 'No passing signature found'), 'authentication-policy'],
  ['enhanced:X.7.21', r('data', 550, '5.7.21', 'No acceptable signature found'), 'authentication-policy'],
  ['enhanced:X.7.22', r('data', 550, '5.7.22', 'No valid author-matched signature found'), 'authentication-policy'],
  ['enhanced:X.7.23', r('mail', 550, '5.7.23', 'Validation failed for 198.51.100.23'), 'authentication-policy'],
  ['enhanced:X.7.24', r('mail', 451, '4.7.24', 'Validation error for example.com'), 'authentication-policy'],
  ['enhanced:X.7.25', r('connect', 550, '5.7.25', 'Validation of 198.51.100.23 failed'), 'authentication-policy'],
  ['enhanced:X.7.26', r('data', 550, '5.7.26', 'Multiple authentication checks failed'), 'authentication-policy'],
  ['enhanced:X.7.27', r('mail', 550, '5.7.27', 'Sender address has null MX'), 'authentication-policy'],
  ['enhanced:X.7.27-destination', r('dsn', 550, '5.7.27', 'Host does not accept mail'), 'no-mail-service'],
  ['enhanced:X.7.28', r('rcpt', 421, '4.7.28', 'Mail flood detected'), 'rate-limited'],
  ['enhanced:X.7.29', r('data', 550, '5.7.29', 'ARC chain broken'), 'authentication-policy'],
  ['enhanced:X.7.30', r('data', 550, '5.7.30', 'REQUIRETLS support required'), 'tls-required'],

  // MTA wording
  [
    'provider:greylisted-any-status',
    r('rcpt', 450, '4.2.0', '<jane@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html'),
    'greylisted',
  ],
  ['provider:greylisted-any-status', r('rcpt', 422, '4.2.2', 'Greylisted, please try again in 180 seconds'), 'greylisted'], // iCloud
  ['wording:greylisted', r('dsn', null, null, 'greylisting in action, please come back later'), 'greylisted'],
  [
    'wording:mta-sts',
    r(
      'starttls',
      null,
      '4.7.5',
      'MTA-STS policy of example.org (enforce; mx: mx1.example.org) requires TLS with a valid certificate: TLS handshake failed: certificate has expired',
      { error: 'ETLS' },
    ),
    'tls-required',
  ],
  [
    'wording:mta-sts',
    r(
      'connect',
      null,
      '4.7.5',
      'mx9.example.org skipped: it does not match the MTA-STS policy of example.org (enforce; mx: mx1.example.org); mail goes only to listed hosts over verified TLS',
      { error: 'EMTASTS' },
    ),
    'tls-required',
  ],
  [
    'wording:local-connection-limit',
    r('connect', null, null, 'local limit: 10 connections to 192.0.2.25 already open (delivery.max_connections_per_host = 10), none freed within 30000 ms', {
      error: 'ELOCALLIMIT',
    }),
    'system-error',
  ],
  [
    'wording:tls-certificate',
    r('starttls', null, null, 'Client network socket disconnected before secure TLS connection was established: self-signed certificate', { error: 'ESOCKET' }),
    'connection-failure',
  ],
  ['wording:tls-error', r('starttls', null, null, 'TLS handshake failed: wrong version number', { error: 'ETLS' }), 'connection-failure'],
  ['wording:tls-required', r('mail', 530, '5.7.0', 'STARTTLS is required to send mail'), 'tls-required'],
  ['provider:starttls-first', r('mail', 530, '5.5.1', 'Invalid command: Must issue a STARTTLS command first'), 'tls-required'], // OpenSMTPD
  [
    'wording:not-rfc-compliant',
    r(
      'data',
      550,
      '5.7.1',
      'This message is not RFC 5322 compliant. There are multiple Subject\n5.7.1 headers. To reduce the amount of spam sent to Gmail, this message has\n5.7.1 been blocked. - gsmtp',
    ),
    'protocol-error',
  ],
  [
    'wording:dkim-spf-dmarc',
    r('mail', 550, null, 'Please see http://www.openspf.net/Why?s=mfrom;id=bounce@example.com;ip=198.51.100.23: SPF fail - not authorized'),
    'authentication-policy',
  ],
  ['wording:reverse-dns', r('connect', 450, '4.7.1', 'Client host rejected: cannot find your hostname, [198.51.100.23]'), 'authentication-policy'],
  ['wording:helo-rejected', r('rcpt', 550, '5.7.1', '<localhost>: Helo command rejected: need fully-qualified hostname'), 'protocol-error'],
  [
    'wording:list-post-refused',
    r('dsn', null, null, 'You are not allowed to post to this mailing list, and your message has been automatically rejected.'),
    'policy',
  ],
  ['wording:relay-denied', r('rcpt', 554, '5.7.1', '<jane@elsewhere.example>: Relay access denied'), 'relay-denied'],
  ['wording:smtp-auth-required', r('mail', 550, null, 'Please turn on SMTP Authentication in your mail client.'), 'policy'],
  ['wording:auth-credentials', r('auth', 535, null, 'Incorrect authentication data: authentication failed'), 'policy'],
  ['wording:sender-rejected', r('mail', 553, null, '<bounce@nowhere.example>: Sender address rejected: Domain not found'), 'policy'],
  ['wording:virus', r('data', 554, null, 'Virus found: Eicar-Signature (InfectedFile), message rejected'), 'virus'],
  ['wording:message-too-large', r('data', 552, null, 'Message size exceeds fixed maximum message size'), 'message-too-large'],
  ['wording:insufficient-system-storage', r('mail', 452, null, 'Insufficient system storage'), 'server-busy'],
  ['wording:mailbox-full', r('rcpt', 552, null, 'sorry, mailbox jane@example.org is over quota'), 'mailbox-full'],
  ['wording:sending-quota', r('dsn', null, '5.0.0', 'The group team has exceeded its quota for total number of external recipients.'), 'rate-limited'], // Google Groups
  ['wording:sending-quota', r('dsn', null, '4.0.0', 'Domain shop.example has exceeded the max emails per hour (121/100 (121%)) allowed.'), 'rate-limited'], // cPanel's Exim
  ['wording:mailbox-over-size', r('dsn', null, '5.0.0', 'User mailbox exceeds allowed size: jane@example.org'), 'mailbox-full'], // Ipswitch IMail
  ['wording:mailbox-over-size', r('rcpt', 552, null, 'Requested mail action aborted: exceeded storage allocation'), 'mailbox-full'], // RFC 5321's stock 552 text
  ['wording:mailbox-over-size', r('rcpt', 550, null, 'user has too many messages on the server'), 'mailbox-full'],
  ['wording:mailbox-over-size', r('dsn', null, '5.0.0', 'El buzón de correo está lleno.'), 'mailbox-full'],
  ['wording:mailbox-over-size', r('dsn', null, '5.0.0', 'Postfach voll'), 'mailbox-full'],
  ['wording:mailbox-disabled', r('rcpt', 550, null, 'Mailbox is inactive. See http://mail.example.net/err/3/'), 'mailbox-disabled'],
  ['wording:mailbox-moved', r('rcpt', 550, null, 'recipient no longer on server: jane@example.org'), 'mailbox-moved'],
  ['wording:mailbox-moved', r('rcpt', 550, null, 'jane@example.org has been replaced by jane@example.com'), 'mailbox-moved'],
  ['wording:dns-temporary', r('dns', null, null, 'queryMx ESERVFAIL example.org'), 'dns-failure'],
  ['wording:dns-temporary-reported', r('dsn', null, '4.0.0', 'smtp; lookup of MX for example.org failed: SERVFAIL from all name servers'), 'dns-failure'],
  ['wording:dns-try-again', r('dsn', null, '5.0.0', '<jane@example.com>: Name service error for domain example.com: Host not found, try again'), 'dns-failure'],
  // Postfix's words when the name server answered with garbage: a failed lookup, not a missing domain.
  [
    'wording:dns-server-failure',
    r('dsn', null, '5.0.0', 'Name service error for name=example.org type=MX: Malformed or unexpected name server reply'),
    'dns-failure',
  ],
  [
    'wording:nxdomain-temporary',
    r('dsn', null, '4.0.0', "smtp; DNS Error: 12345 DNS type 'mx' lookup of example.comm responded with code NXDOMAIN Domain name not found: example.comm"),
    'dns-failure',
  ],
  ['wording:nxdomain', r('dns', null, null, 'queryMx ENOTFOUND example.invalid'), 'domain-unknown'],
  ['wording:no-mx-records', r('dns', null, null, 'queryA ENODATA example.org'), 'no-mail-service'],
  ['wording:no-mx-records', r('dsn', null, '4.0.0', 'neko@example.org: No MX found for domain'), 'no-mail-service'], // OpenSMTPD's delay notice
  ['wording:null-mx', r('rcpt', 550, null, 'example.org does not accept mail'), 'no-mail-service'],
  ['wording:null-mx-any', r('dns', null, null, 'example.org publishes a null MX'), 'no-mail-service'],
  ['wording:unknown-user@data', r('dsn', null, '5.0.0', 'smtp; 550 Unknown user jane@example.net (in reply to end of DATA command)'), 'policy'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'ユーザー Tanaka (tanaka@example.co.jp) は Domino ディレクトリには見つかりません。'), 'mailbox-unknown'], // Domino, Japanese
  // Domino's other languages and its older directory's name (Sisimai's Domino module lists the same phrases).
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'Benutzer ann (ann@example.de) nicht im Domino-Verzeichnis aufgeführt'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', "Utilisateur ann (ann@example.fr) non répertorié dans l'annuaire Domino"), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'User ann (ann@example.com) not listed in public Name & Address Book'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, '<jane@example.org>: Recipient address rejected: User unknown in virtual mailbox table'), 'mailbox-unknown'],
  // Other servers' ways of saying the same: "<rcpt> does not exist", "is not a known user", "invalid
  // username", "no mailbox found".
  ['wording:user-unknown', r('rcpt', 554, null, 'Rcpt <jane@example.org> does not exist'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, '"jane@example.org" is not a known user'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, 'jane@example.org is not an active address at this host (invalid ExampleNet username)'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, '5.7.1', 'No mailbox found'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 553, null, 'sorry, your envelope recipient is in my badrcptto list (#5.7.1)'), 'mailbox-unknown'], // qmail badrcptto patch
  ['wording:user-unknown', r('dsn', null, null, 'X-LOCAL; 500 (err.nosuchuser)'), 'mailbox-unknown'], // RFC 3464's own example of a local delivery agent's report
  ['wording:user-unknown', r('rcpt', 550, null, "vdeliver: Invalid or unknown virtual user 'jane'"), 'mailbox-unknown'], // vpopmail
  ['wording:user-unknown', r('rcpt', 550, null, 'User jane was not found in our directory'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, 'Utilisateur inconnu ! / Unknown user'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'adresse inconnue'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, 'Пользователь не найден'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, '<jane@example.org> address unknown'), 'mailbox-unknown'],
  // Sisimai's user-unknown wording list: the address between the words, an archived recipient, a directory
  // (ph) lookup that matched nobody; a sender's address that is not valid stays about the sender.
  // Sisimai's mailbox-full wording: a user or account "over the quota", "exceeding its mailbox quota".
  ['wording:mailbox-full', r('dsn', 550, null, 'jane@example.org is over the allowed quota'), 'mailbox-full'],
  ['wording:mailbox-full', r('dsn', 552, null, 'Mailbox exceeding its mailbox quota'), 'mailbox-full'],
  ['wording:mailbox-full', r('dsn', null, '5.0.0', 'Recipient does not have enough space'), 'mailbox-full'],
  ['wording:rate-limited', r('data', 550, null, 'You are over the quota of messages per hour'), 'rate-limited'],
  // Too many of our recipients did not exist (Cox AUP, anti-harvesting limits): about us, not this address;
  // the server's own no-such-user status for this recipient still decides.
  ['wording:too-many-invalid-recipients', r('rcpt', 554, null, 'cox too many invalid recipients from 192.0.2.1'), 'reputation-or-blocklist'],
  ['wording:too-many-invalid-recipients', r('rcpt', 421, null, 'Too many unknown recipients, closing connection'), 'reputation-or-blocklist'],
  [
    'enhanced:X.1.1',
    r('rcpt', 550, '5.1.1', '<x@example.org>: Recipient address rejected: unknown user; too many invalid recipients from this host'),
    'mailbox-unknown',
  ],
  ['wording:dns-server-failure', r('dsn', null, '5.0.0', 'Temporary DNS failure for example.org'), 'dns-failure'],
  ['wording:dns-server-failure', r('dsn', null, null, 'Name server timeout'), 'dns-failure'],
  [
    'enhanced:mx-hosts-without-address',
    r('dns', null, '5.4.4', 'No MX host of broken.test has an address (mx1.broken.test)', { error: 'NO_ADDRESS' }),
    'domain-unknown',
  ],
  ['wording:table-lookup-failure', r('rcpt', 451, '4.3.0', '<bob@example.org>: Temporary lookup failure'), 'system-error'],
  ['wording:user-unknown', r('dsn', null, null, 'User <jane@example.org> not known'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'Address <jane@example.org> is not valid'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, 'Archived recipient'), 'mailbox-unknown'],
  [
    'wording:user-unknown',
    r('dsn', null, null, "Your message to jane@example.org couldn't be delivered. jane wasn't found at example.org."),
    'mailbox-unknown',
  ], // Office 365's newer notices
  ['wording:user-unknown', r('dsn', null, '5.0.0', '550 jane... No matches to nameserver query'), 'mailbox-unknown'],
  ['code:553@mail', r('mail', 553, null, 'Sender address <news@shop.example> is not valid'), 'policy'],
  ['wording:mailbox-unavailable', r('rcpt', 550, null, 'Requested action not taken: mailbox unavailable'), 'mailbox-unknown'],
  ['wording:address-rejected', r('rcpt', 550, null, '#5.1.0 Address rejected.'), 'mailbox-unknown'],
  ['wording:address-rejected', r('rcpt', 550, null, '<jane@example.org> recipient rejected'), 'mailbox-unknown'], // an ISP's bare refusal of one recipient
  [
    'wording:too-many-connections',
    r('connect', 421, null, 'Too many concurrent SMTP connections from this IP address; please try again later.'),
    'rate-limited',
  ],
  ['provider:tencent-frequency', r('rcpt', 450, null, 'Ip frequency limited, try again later'), 'rate-limited'],
  // Providers' own codes and wording, from their documentation as Sisimai's Rhost modules read it: the code
  // decides over a status that says otherwise (Orange's 417 under 5.1.1 is a full mailbox).
  ['provider:orange-invalid-recipient', r('dsn', 550, '5.1.1', 'Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416'), 'mailbox-unknown'],
  ['provider:orange-full', r('dsn', 552, '5.1.1', 'Boite du destinataire pleine. Recipient overquota. OFR_417'), 'mailbox-full'],
  ['provider:orange-suspended', r('dsn', 550, '5.1.1', 'Boite du destinataire archivee. Archived recipient. LPN007_420'), 'mailbox-disabled'],
  ['provider:orange-suspended', r('dsn', 550, '5.5.0', 'Le compte du destinataire est bloque. LPN007_426'), 'mailbox-disabled'],
  ['provider:orange-blocked', r('connect', 550, null, 'mwinf5c10 ME Adresse IP source bloquee pour incident de spam. OFR006_102'), 'reputation-or-blocklist'],
  ['provider:orange-spam', r('data', 550, '5.7.1', 'Mail rejete. Mail rejected. ofr_506 [506]'), 'content-or-spam'],
  ['provider:orange-too-large', r('data', 552, '5.3.4', 'Taille limite du message atteinte. LPN105_514'), 'message-too-large'],
  ['provider:orange-sender', r('mail', 550, '5.0.1', 'Emetteur invalide. Invalid Sender. LPN105_405'), 'policy'],
  ['provider:cox-blocked', r('connect', 554, null, 'cox.example rejected 192.0.2.1 - listed on a DNSBL. AUP#IPBL0001'), 'reputation-or-blocklist'],
  ['provider:cox-url-listed', r('data', 554, null, 'a URL in this message is listed. AUP#URLBL1001'), 'content-or-spam'],
  ['provider:cox-reverse-dns', r('connect', 554, null, 'rejected - no rdns AUP#CXDNS'), 'authentication-policy'],
  ['provider:cox-sender-auth', r('mail', 550, '5.1.0', 'sender rejected AUP#CXSNDR'), 'authentication-policy'],
  ['provider:cox-rate', r('connect', 421, null, 'too many sessions from 192.0.2.1 AUP#CXCNCT'), 'rate-limited'],
  ['provider:cox-policy', r('connect', 554, null, 'ESMTP no data before greeting AUP#CXSMTP'), 'policy'],
  ['provider:spectrum-blocked', r('connect', 554, null, 'Your IP address is blocked. AUP#I-1000'), 'reputation-or-blocklist'],
  ['provider:spectrum-reverse-dns', r('connect', 554, null, 'full circle DNS required AUP#I-1100'), 'authentication-policy'],
  ['provider:spectrum-rate', r('rcpt', 452, null, 'too many recipients in a short time AUP#O-1580'), 'rate-limited'],
  ['provider:spectrum-too-large', r('data', 552, null, 'message larger than 20MB AUP#O-1530'), 'message-too-large'],
  ['provider:spectrum-policy', r('mail', 550, null, 'sending account limited AUP#O-1020'), 'policy'],
  [
    'provider:tencent-frequency',
    r('rcpt', 550, null, 'Mailbox unavailable or access denied [MNabc IP: 192.0.2.4] https://service.mail.qq.com/detail/122/166'),
    'rate-limited',
  ],
  ['provider:yahoo-mailbox-not-found', r('data', 552, null, '1 Requested mail action aborted, mailbox not found'), 'mailbox-unknown'],
  ['provider:yahoo-no-longer-valid', r('dsn', 554, null, 'delivery error: dd jo@yahoo.example is no longer valid. [-20]'), 'mailbox-disabled'],
  ['provider:yahoo-rate', r('rcpt', 450, null, 'User is receiving mail too quickly'), 'rate-limited'],
  ['provider:yahoo-rate', r('data', 421, null, 'Max message per connection reached, closing transmission channel'), 'rate-limited'],
  ['wording:message-too-large', r('data', 554, null, 'Maximum email size exceeded'), 'message-too-large'],
  [
    'provider:microsoft-domain-unreachable',
    r('dsn', 550, '5.4.310', 'DNS domain typo-corp.example does not exist [Message=InfoDomainNonexistent]'),
    'domain-unknown',
  ],
  [
    'provider:gmail-domain-not-found',
    r('dsn', null, null, "Your message wasn't delivered to jo@typo.example because the domain typo.example couldn't be found."),
    'domain-unknown',
  ],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'Empfaenger unbekannt'), 'mailbox-unknown'], // German without umlauts
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'onbekende gebruiker'), 'mailbox-unknown'], // Dutch
  ['wording:mailbox-over-size', r('dsn', null, '5.0.0', 'Das Postfach des Empfaengers ist voll'), 'mailbox-full'],
  ['wording:nxdomain', r('dsn', null, '5.0.0', 'Domain nicht gefunden'), 'domain-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'Receiver not found: quinn@isp.example.net'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'The recipient name is not recognized'), 'mailbox-unknown'], // Exchange 5.5/2003
  ['wording:nxdomain', r('dsn', null, null, 'Your message was not delivered because the destination computer was not found.'), 'domain-unknown'], // Netscape Messaging Server
  // The same words from another ISP (Cox) are its no-such-mailbox answer.
  ['wording:mailbox-unavailable', r('rcpt', 550, null, 'Mailbox unavailable or access denied - <jo@isp.example>'), 'mailbox-unknown'],
  ['provider:tencent-blocked', r('connect', 550, null, 'Suspected spam ip, connection denied'), 'reputation-or-blocklist'],
  ['provider:tencent-recipient-block', r('data', 550, null, 'Mail is rejected by recipients'), 'policy'],
  ['provider:iua-no-such-user', r('rcpt', 550, null, 'Message rejected. See http://mail.i.ua/err/2/'), 'mailbox-unknown'],
  ['provider:iua-suspended', r('rcpt', 550, null, 'Message rejected. See http://mail.i.ua/err/3/'), 'mailbox-disabled'],
  ['provider:iua-full', r('rcpt', 550, null, 'Message rejected. See http://mail.i.ua/err/4/'), 'mailbox-full'],
  ['provider:iua-rate', r('rcpt', 550, null, 'Message rejected. See http://mail.i.ua/err/5/'), 'rate-limited'],
  ['provider:iua-blocked', r('connect', 550, null, 'Message rejected. See http://mail.i.ua/err/9/'), 'reputation-or-blocklist'],
  ['provider:iua-policy', r('rcpt', 550, null, 'Message rejected. See http://mail.i.ua/err/6/'), 'policy'],
  ['wording:spam', r('data', 550, null, 'Message content rejected, UBE, id=00000-22-225'), 'content-or-spam'],
  ['wording:greeting-refused', r('dsn', 554, null, 'mx01.example.net ESMTP not accepting connections'), 'reputation-or-blocklist'],
  ['wording:greeting-refused', r('dsn', 421, '4.2.1', 'Service refuse. Veuillez essayer plus tard.'), 'reputation-or-blocklist'],
  ['wording:reputation', r('connect', 554, null, 'Your IP 198.51.100.23 has been blocked due to poor reputation'), 'reputation-or-blocklist'],
  // Spam named in a block of our source (Comcast's greeting, Yandex's day-long block), or in the answer to the
  // greeting, before any message: our IP, not a message's content. The same words after DATA are about the message.
  [
    'wording:blocked-for-spam',
    r('connect', 554, null, 'imta14.emeryville.ca.mail.comcast.net comcast 192.0.2.2 Comcast block for spam.'),
    'reputation-or-blocklist',
  ],
  ['wording:blocked-for-spam', r('rcpt', 554, '5.7.1', 'Blocked by spam statistics - see https://ya.cc/1IrBc'), 'reputation-or-blocklist'],
  ['wording:spam-before-message', r('connect', 554, null, 'blocked for spam'), 'reputation-or-blocklist'],
  ['wording:spam', r('data', 554, null, 'Message blocked for spam'), 'content-or-spam'],
  ['wording:reputation', r('rcpt', 554, '5.7.1', 'Rejected because Bad IP'), 'reputation-or-blocklist'],
  // A policy refusal in words, whatever the code says (a bare 421 reads as a busy server, X.1.0 as nothing).
  ['wording:policy-violation', r('connect', 421, null, 'Reject due to policy violations'), 'policy'],
  ['wording:policy-violation', r('mail', 550, '5.1.0', '<john.smith@example.cz> policy violation, see https://help.example.cz/smtp'), 'policy'],
  // Gmail's unauthenticated-mail deferral: its closing "to best protect our users from spam" is not the reason.
  [
    'wording:dkim-spf-dmarc',
    r(
      'data',
      421,
      '4.7.0',
      'This message does not have authentication information or fails to pass authentication checks. To best protect our users from spam, the message has been blocked.',
    ),
    'authentication-policy',
  ],
  // Coremail's bulk detection ("sent too many mails of similar length"), not a size limit.
  ['wording:rate-limited', r('data', 552, null, 'too many same size mails.'), 'rate-limited'],
  // Exchange 5.5–2003's text for a domain that is not in DNS; "could not be found" is about the server, not a mailbox.
  [
    'wording:nxdomain',
    r(
      'dsn',
      null,
      '5.4.0',
      'The destination server for this recipient could not be found in Domain Name Service (DNS).  Please verify the email address and retry.',
    ),
    'domain-unknown',
  ],
  // RFC 5321's stock "mailbox unavailable" under a mailbox-state or policy status: the status is the more precise.
  ['enhanced:X.2.1', r('rcpt', 550, '5.2.1', 'Mailbox not available'), 'mailbox-disabled'],
  ['enhanced:X.7.*', r('rcpt', 550, '5.7.1', 'Requested action not taken: mailbox unavailable'), 'policy'],
  ['wording:mailbox-unavailable', r('rcpt', 550, null, 'Requested action not taken: mailbox unavailable'), 'mailbox-unknown'],
  // maildrop's quota refusal, as qmail hosts and GMX quote it (GMX after "550 Permission denied. Command output:").
  ['provider:maildrop-over-quota', r('dsn', null, '5.0.0', 'maildrop: maildir over quota.'), 'mailbox-full'],
  ['provider:maildrop-over-quota', r('data', 550, null, 'Permission denied. Command output: maildrop: maildir over quota'), 'mailbox-full'],
  // qmail's temporary DNS failure (its code 4.1.2), bounced after the queue lifetime: the domain may exist. Its permanent
  // one names the host (#5.1.2); qmail's first releases wrote the sentence without a code for the permanent one.
  ['provider:qmail-temporary-dns', r('dsn', null, '4.1.2', "Sorry, I couldn't find any host by that name. (#4.1.2)"), 'dns-failure'],
  ['enhanced:X.1.2', r('dsn', null, '5.1.2', "Sorry, I couldn't find any host named mx.gone.example. (#5.1.2)"), 'domain-unknown'],
  ['wording:nxdomain', r('dsn', null, null, "Sorry, I couldn't find any host by that name."), 'domain-unknown'],
  // Comcast asks senders to stop; another provider's "Account Closed" may be reopened.
  ['provider:comcast-account-closed', r('rcpt', 550, '5.2.0', '<xy@comcast.example> - Account Closed, Please Remove'), 'mailbox-unknown'],
  ['wording:mailbox-disabled', r('rcpt', 550, null, '<user@lycos.example>: Recipient address rejected: Account Closed'), 'mailbox-disabled'],
  ['wording:mailbox-disabled', r('rcpt', 550, null, 'User user@mail.example.cn is now disabled with SMTP service'), 'mailbox-disabled'],
  // EarthLink's own codes for Vade's (postmaster-earthlink.vadesecure.com).
  ['provider:vade-rate', r('connect', 421, '4.2.1', 'Connection deferred - ELNK_110'), 'rate-limited'],
  ['provider:vade-blocked', r('connect', 550, '5.7.1', 'Connection refused - ELNK_101'), 'reputation-or-blocklist'],
  // Chinese hosted mail's own words for a missing user (Coremail's and Huawei KooMail's lists).
  ['wording:user-unknown', r('rcpt', 550, null, 'rcpt account is invalid'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, 'Local no so user'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, 'No user found'), 'mailbox-unknown'],
  // The same in other languages (Polish, Czech, Turkish, Chinese, Russian; QQ's "this user has no QQ mailbox").
  ['wording:user-unknown', r('rcpt', 550, null, 'Użytkownik nie istnieje'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, 'Uživatel neexistuje'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, 'Kullanıcı bulunamadı'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, '收件者不存在'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, 'Адресат не существует'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, '该用户未开通QQ邮箱'), 'mailbox-unknown'],
  // …and the mailbox's state, which beats a 5.1.1: full, blocked.
  ['wording:mailbox-full', r('rcpt', 550, '5.1.1', 'Skrzynka pełna'), 'mailbox-full'],
  ['wording:mailbox-full', r('dsn', null, null, 'cannot update mailbox /var/mail/ann for user ann. error writing message: File too large'), 'mailbox-full'],
  ['wording:mailbox-disabled', r('rcpt', 550, '5.1.1', 'Konto zablokowane'), 'mailbox-disabled'],
  ['wording:mailbox-disabled', r('rcpt', 550, '5.1.1', 'Почтовый ящик заблокирован'), 'mailbox-disabled'],
  ['wording:mailbox-disabled', r('rcpt', 550, null, 'User user@mail.example.cn is disabled'), 'mailbox-disabled'],
  ['wording:user-unknown', r('rcpt', 550, null, "local server don't exists that user"), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, 'recipient does not have an account'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, 'not user of this server'), 'mailbox-unknown'],
  ['wording:policy-violation', r('rcpt', 452, null, '<li@zoho.example> Mailbox delivery restricted by policy error'), 'policy'],
  // Exchange's text for a domain not in DNS names "the email address", not a mailbox.
  ['wording:nxdomain', r('dsn', null, null, 'The domain in the email address ann@exampel.org does not exist'), 'domain-unknown'],
  ['wording:nxdomain', r('rcpt', 550, null, 'Unrouteable domain'), 'domain-unknown'],
  [
    'provider:microsoft-domain-unreachable',
    r('dsn', null, '5.7.0', "550 5.7.0 Proxy session setup failed on Frontend with '554 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain'"),
    'domain-unknown',
  ],
  ['wording:dns-try-again', r('dsn', null, null, 'host lookup did not complete'), 'dns-failure'],
  // TLS a policy required (Postfix's DANE and MTA-STS, a provider's minimum): not a generic policy refusal.
  ['wording:tls-required', r('dsn', null, '4.7.5', 'Server certificate not verified'), 'tls-required'],
  ['wording:tls-required', r('dsn', null, '4.7.5', 'TLSA lookup error for mx.example.org:25 / non DNSSEC destination'), 'tls-required'],
  ['wording:tls-required', r('dsn', 550, null, 'MinimumTlsRequirementNotMetError'), 'tls-required'],
  // The message, not the address: loops, lines, headers, SMTPUTF8, attachments.
  ['wording:loop', r('dsn', null, null, 'mail forwarding loop for ann@example.org'), 'system-error'],
  ['wording:message-format', r('dsn', null, null, 'SMTPUTF8 is required, but was not offered by host mx.example.org[192.0.2.1]'), 'protocol-error'],
  ['wording:message-format', r('dsn', null, null, 'message has lines too long for transport'), 'protocol-error'],
  ['wording:message-format', r('data', 552, null, 'message line is too long'), 'protocol-error'],
  ['wording:not-rfc-compliant', r('data', 554, '5.6.0', "Non-encoded 8-bit data (char AE hex) in message header 'Subject'"), 'protocol-error'],
  ['wording:message-format', r('data', 550, '5.6.0', 'Message has not exactly one Date field'), 'protocol-error'],
  ['wording:banned-attachment', r('data', 552, '5.7.0', 'Our system detected an illegal attachment on your message.'), 'virus'],
  ['wording:banned-attachment', r('data', 550, '5.7.1', 'Blocked file type'), 'virus'],
  ['wording:banned-attachment', r('data', 550, null, 'Attachment contains unallowed office macros'), 'virus'],
  // Network, DNS and TLS failures as MTAs word them (OpenSMTPD, Sendmail, Postfix, Haraka, Exchange 2003): soft.
  ['wording:connection-refused', r('dsn', null, null, 'Network error on destination MXs'), 'connection-failure'],
  ['wording:connection-refused', r('dsn', null, null, 'Address family mismatch on destination MXs'), 'connection-failure'],
  ['wording:connection-refused', r('dsn', null, null, 'connect to mx.example.org[2001:db8::1]:25: Cannot assign requested address'), 'connection-failure'],
  ['wording:expired', r('dsn', null, null, 'Envelope expired'), 'expired'],
  [
    'wording:expired',
    r('dsn', null, null, 'Could not deliver the message in the time limit specified.  Please retry or contact your administrator.'),
    'expired',
  ],
  ['wording:dns-try-again', r('dsn', null, null, 'host map: lookup (example.org): deferred'), 'dns-failure'],
  ['wording:dns-try-again', r('dsn', null, null, 'Temporary error 249 (temporary MX resolution error) resolving .example.org'), 'dns-failure'],
  ['wording:tls-error', r('dsn', null, null, 'Ongoing connection failed: error:0A00017A:SSL routines::dh key too small'), 'connection-failure'],
  ['wording:message-format', r('data', 550, null, 'Line length in message or single header exceeds 8192'), 'protocol-error'],
  ['wording:message-format', r('data', 451, null, 'See http://pobox.com/~djb/docs/smtplf.html.'), 'protocol-error'],
  [
    'wording:message-format',
    r('data', 554, '5.6.211', 'Invalid MIME Content: Single text value size (33061) exceeded allowed maximum (32768)'),
    'protocol-error',
  ],
  // A 4xx's meaning in its words: rate limits, greylisting that does not say so, a sender's recipient quota.
  ['provider:connection-rate-limit', r('connect', 421, '4.3.2', 'Connection rate limit exceeded.'), 'rate-limited'],
  ['enhanced:4.3.2', r('connect', 421, '4.3.2', 'Service shutting down'), 'server-busy'],
  [
    'provider:mimecast-greylist',
    r('rcpt', 451, null, 'Internal resource temporarily unavailable - https://community.mimecast.com/docs/DOC-1369#451'),
    'greylisted',
  ],
  ['provider:yahoo-rate', r('rcpt', 421, null, 'Message temporarily deferred - 4.16.51. Please refer to the help page'), 'rate-limited'],
  ['wording:rate-limited', r('rcpt', 450, '4.7.1', 'Sender rate exceeds SMTP limit'), 'rate-limited'],
  ['wording:rate-limited', r('rcpt', 450, '4.7.1', 'Number recipients per hour exceeded'), 'rate-limited'],
  ['wording:rate-limited', r('rcpt', 450, '4.7.1', 'only 5 recipients per 5 minutes allowed'), 'rate-limited'],
  [
    'wording:rate-limited',
    r(
      'connect',
      421,
      null,
      "RP-001 Unfortunately, some messages from 192.0.2.1 weren't sent. We have limits for how many messages can be sent per hour and per day.",
    ),
    'rate-limited',
  ],
  ['wording:greylisted', r('rcpt', 450, '4.7.1', 'First-time sender tempfailed as anti-spam measure; please try again in 10 minutes'), 'greylisted'],
  ['wording:sender-recipient-quota', r('mail', 421, '4.7.1', 'Recipient quota exceeded'), 'rate-limited'],
  ['wording:mailbox-full', r('rcpt', 452, null, 'Recipient quota exceeded'), 'mailbox-full'],
  // Hornetsecurity's refusals under its 5.5.x statuses, by their words.
  ['provider:hornetsecurity-spam-ip', r('rcpt', 554, '5.5.4', 'Spam IP rejected'), 'reputation-or-blocklist'],
  ['provider:hornetsecurity-attachment', r('data', 554, '5.5.7', 'e-mail Rejected Content Attachment'), 'virus'],
  ['provider:hornetsecurity-size', r('data', 552, '5.5.2', 'Message size (content filter)'), 'message-too-large'],
  ['provider:hornetsecurity-loop', r('data', 554, '5.5.6', 'Loop detection > 10 mal X-antispameurope-disclaimer'), 'system-error'],
  ['wording:blocked-for-spam', r('data', 550, '5.7.501', 'Service unavailable. Spam abuse detected from IP range.'), 'reputation-or-blocklist'],
  ['wording:policy-violation', r('rcpt', 553, null, 'User defined policy matched for 203.0.113.5'), 'policy'],
  ['wording:user-unknown', r('dsn', null, '5.1.0', "Unknown address error 550-'There is no such active account.'"), 'mailbox-unknown'],
  // A content filter's score names block lists among its rules; "a bad reputation" under any status is our IP's.
  [
    'provider:spam-score',
    r('data', 554, '5.7.1', 'Content filter rejection: SpamAssassin score 9.1 (RCVD_IN_BL_SPAMCOP_NET,URIBL_BLACK). Please alter the content'),
    'content-or-spam',
  ],
  [
    'provider:bad-reputation',
    r('rcpt', 554, '5.5.4', 'Your IP 192.0.2.7 address has a bad reputation. To unblock visit https://unblock.example'),
    'reputation-or-blocklist',
  ],
  ['wording:mailbox-disabled', r('rcpt', 550, '5.1.1', '<carla@chello.example> inactive recipient rejected'), 'mailbox-disabled'],
  // Newer servers' and filters' words (rspamd, Stalwart, Postal, GNU mailutils, VIPRE).
  ['wording:rate-limited', r('rcpt', 451, '4.7.1', 'Ratelimit "user" exceeded'), 'rate-limited'],
  ['wording:spam', r('data', 554, '5.7.1', 'Gtube pattern'), 'content-or-spam'],
  ['wording:reverse-dns', r('rcpt', 550, '5.6.2', '<a@b.example>: Your IPv6 address do not have a reverse look name'), 'authentication-policy'],
  ['wording:tls-required', r('mail', 550, null, 'Your sender domain is required to send via an encrypted SMTP session'), 'tls-required'],
  ['wording:mailbox-full', r('rcpt', 550, null, '<a@b.example>: message would exceed maximum mailbox size for this recipient'), 'mailbox-full'],
  ['wording:expired', r('dsn', null, null, 'Maximum number of delivery attempts (18) has been reached for this message'), 'expired'],
  // 1&1/IONOS start every refusal with the stock words; a policy sentence after them is the reason (our IP blocked).
  [
    'wording:access-denied',
    r(
      'rcpt',
      550,
      null,
      'Requested action not taken: mailbox unavailable 550-Reject due to policy restrictions. 550 For explanation visit http://postmaster.1and1.com/en/error-messages?ip=192.0.2.131&c=poli',
    ),
    'policy',
  ],
  // Exchange Online's quota for our sending mailbox, not the recipient's; a folder's item quota is the recipient's.
  [
    'provider:microsoft-sending-limit',
    r('data', 554, '5.2.0', 'STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message'),
    'rate-limited',
  ],
  [
    'provider:microsoft-mailbox-full',
    r('data', 554, '4.3.2', 'mailbox busy; STOREDRV.Submission.Exception:QuotaExceededException.MapiExceptionMessagePerFolderCountQuotaExceeded'),
    'mailbox-full',
  ],
  // "rejected as" names spam only when it says so (Google Workspace's student restriction is policy).
  ['enhanced:X.7.*', r('data', 550, '5.7.1', 'This message has been rejected as this student is not able to send or receive external mail.'), 'policy'],
  ['wording:spam', r('data', 550, null, 'Message rejected as spam'), 'content-or-spam'],
  // Relays' checks of our own account (Amazon SES, SendGrid, Mailgun), a relay's daily quota, Microsoft's account ban.
  [
    'wording:relay-account',
    r('data', 554, null, 'Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: news@shop.example'),
    'policy',
  ],
  [
    'wording:relay-account',
    r('data', 550, null, 'The from address does not match a verified Sender Identity. Mail cannot be sent until this error is resolved.'),
    'policy',
  ],
  [
    'wording:relay-account',
    r(
      'data',
      554,
      null,
      'Sandbox subdomains are for test purposes only. Please add your own domain or add the address to authorized recipients in Account Settings.',
    ),
    'policy',
  ],
  ['wording:rate-limited', r('connect', 554, null, "dedrelay.secureserver.example DED : You've reached your daily relay quota - 192.0.2.5"), 'rate-limited'],
  [
    'wording:blocked-for-spam',
    r('rcpt', 550, '5.7.501', 'Access denied, spam abuse detected. The sending account has been banned due to detected spam activity.'),
    'reputation-or-blocklist',
  ],
  // Gmail's X.7.30 names DKIM in several wordings; Yahoo's excessive unknown recipients whatever its annotation.
  [
    'provider:dkim-under-x730',
    r('data', 421, '4.7.30', "Your email has been rate limited because DKIM authentication didn't pass for this message."),
    'authentication-policy',
  ],
  ['enhanced:X.7.30', r('rcpt', 550, '5.7.30', 'REQUIRETLS support required'), 'tls-required'],
  ['provider:yahoo-excessive-unknown', r('rcpt', 451, null, 'VS1-IP Excessive unknown recipients - possible Open Relay (#4.1.8)'), 'reputation-or-blocklist'],
  ['provider:yahoo-rate', r('connect', 421, null, 'Message from (192.0.2.1) temporarily deferred - 4.16.50. Please refer to the help page'), 'rate-limited'],
  // qmail chkuser's #5.1.1 for a session past its wrong-recipient limit and for our sender's domain without MX.
  ['provider:chkuser-wrong-rcpt-limit', r('rcpt', 571, null, 'sorry, you are violating our security policies (#5.1.1 - chkuser)'), 'reputation-or-blocklist'],
  ['wording:sender-checks', r('rcpt', 511, null, "sorry, can't find a valid MX for sender domain (#5.1.1 - chkuser)"), 'policy'],
  // A Japanese ISP's notice: "the user is not registered".
  ['wording:user-unknown', r('dsn', null, '5.0.0', '<pwd7654321@m2.point.ne.jp> のユーザーは登録されていません'), 'mailbox-unknown'],
  ['wording:our-host-refused', r('rcpt', 554, '5.7.1', '<mx.example.com[198.51.100.23]>: Client host rejected: Access denied'), 'reputation-or-blocklist'],
  ['wording:our-host-refused', r('dsn', 550, null, 'We do not accept mail from dynamic IPs'), 'reputation-or-blocklist'],
  ['wording:sender-checks', r('rcpt', 550, '5.7.1', 'BATV failed to verify'), 'policy'],
  ['wording:sender-checks', r('dsn', 550, null, 'Null sender is not allowed'), 'policy'],
  ['wording:connection-refused', r('connect', null, null, 'connect ECONNREFUSED 127.0.1.5:25'), 'connection-failure'],
  ['wording:connection-timeout', r('connect', null, null, 'Connection timeout', { error: 'ETIMEDOUT' }), 'connection-failure'],
  ['wording:connection-lost', r('data', null, null, 'read ECONNRESET'), 'connection-failure'],
  ['wording:connection-lost', r('dsn', 421, '4.0.0', 'ResponseCode 421, Host not reachable.'), 'connection-failure'],
  // Gmail's delay notices list each host tried as "[host ip: socket error]"; Windows MTAs say "Socket error code 10061".
  ['wording:connection-lost', r('dsn', null, '4.0.0', '[mx.far.example 192.0.2.10: socket error]'), 'connection-failure'],
  ['wording:dns-phase-error', r('dns', null, null, 'queryMx EBADNAME example..org'), 'dns-failure'],
  ['wording:protocol', r('rcpt', 503, null, 'Error: need MAIL command'), 'protocol-error'],
  [
    'wording:protocol',
    r('dsn', 500, null, 'SMTP error from remote mail server after end of data: host mx.example.de [192.0.2.22]: 500 Line limit exceeded'),
    'protocol-error',
  ], // Exim's line-length limit, not a rate limit
  ['wording:rate-limited', r('data', 550, null, 'Hourly message limit exceeded for this sender'), 'rate-limited'],
  ['wording:expired', r('dsn', null, null, 'retry timeout exceeded'), 'expired'],
  ['wording:loop', r('dsn', null, null, 'mail for example.org loops back to myself'), 'system-error'],
  // The same situation in Sendmail's and qmail's words: our host is an MX of the domain but does not take its mail.
  ['wording:loop', r('dsn', null, null, 'MX list for example.org points back to mx.example.org'), 'system-error'],
  [
    'wording:loop',
    r(
      'dsn',
      null,
      null,
      "Sorry. Although I'm listed as a best-preference MX or A for that host, it isn't in my control/locals file, so I don't treat it as local.",
    ),
    'system-error',
  ],
  ['wording:system-error', r('rcpt', 451, null, 'Could not load DRD for domain (example.com)'), 'system-error'],
  ['wording:server-busy', r('connect', 421, null, 'mx.example.org Service not available, closing transmission channel'), 'server-busy'],
  // Cloudflare Email Routing names the lists in the plural; Gmail's older notices say the stage as "(state N)".
  [
    'provider:dnsbl',
    r('connect', 554, null, '192.0.2.1 found on one or more DNSBLs (abusixip). Refer to https://developers.cloudflare.example/email-routing/postmaster/'),
    'reputation-or-blocklist',
  ],
  ['wording:dns-server-failure', r('dsn', null, null, 'DNS Error: Could not contact DNS servers'), 'dns-failure'],
  ['wording:unknown-user@data', r('dsn', 550, null, '550 550 <jo@example.org> No such user here (state 17).'), 'policy'],
  ['wording:user-unknown', r('dsn', 550, null, '550 550 <jo@example.org>: User unknown (state 14).'), 'mailbox-unknown'],
  // Broadcom Email Security.cloud (MessageLabs), its documented replies (Sisimai's Rhost::MessageLabs): "your"
  // address or IP blocked is about our side, never the recipient's mailbox.
  ['wording:our-host-refused', r('dsn', 553, null, 'Sorry, your IP address has been blocked'), 'reputation-or-blocklist'],
  // …but "your email address/domain has been blocked" is the recipient's own block list (Broadcom KB 173082): policy.
  ['provider:symantec-sender-blocked', r('dsn', 553, null, 'Sorry, your email address has been blocked'), 'policy'],
  [
    'wording:reputation',
    r('connect', 501, null, 'Connection rejected by policy [7.7] 20805, please visit www.messagelabs.example/support'),
    'reputation-or-blocklist',
  ],
  ['wording:tls-required', r('rcpt', 451, '4.7.1', 'TLS/SSLv3 Connection required. (#4.7.1)'), 'tls-required'],
  ['wording:spam', r('data', 553, null, '- Message Filtered'), 'content-or-spam'],
  ['wording:mailbox-disabled', r('dsn', 554, null, 'recipient address has been blocked'), 'mailbox-disabled'],
  // Exchange Online's documented limits and RFC 2606's reserved names (Sisimai's Rhost::Microsoft lists them).
  ['provider:microsoft-sending-limit', r('dsn', 554, '5.2.2', 'Submission quota exceeded'), 'rate-limited'],
  ['provider:microsoft-sending-limit', r('dsn', 550, '5.2.121', "Recipient's per hour message receive limit from specific sender exceeded"), 'rate-limited'],
  ['provider:reserved-domain', r('rcpt', 550, '5.1.5', 'Recipient address reserved by RFC 2606'), 'domain-unknown'],
  // Mimecast's documented SMTP error codes (Sisimai's Rhost::Mimecast).
  ['provider:mimecast-content', r('data', 550, null, 'Message bounced due to Content Examination Policy'), 'content-or-spam'],
  ['provider:mimecast-content', r('data', 554, null, 'Email rejected due to security policies'), 'content-or-spam'],
  ['provider:mimecast-thread-limit', r('mail', 550, null, 'Exceeding outbound thread limit'), 'rate-limited'],
  ['provider:mimecast-thread-limit', r('connect', 451, null, 'Account service is temporarily unavailable'), 'rate-limited'],
  // Symantec Email Security.cloud / MessageLabs (Sisimai's Lhost::MessageLabs): its own 542 for an address it does not have.
  ['provider:messagelabs-542-rejected', r('dsn', 542, '5.0.0', 'kai@client.example Rejected'), 'mailbox-unknown'],
  // Dovecot's and Cyrus's Sieve rejections (their sources' rejection texts) with a reason of the user's own.
  ['wording:sieve-rejected', r('dsn', null, '5.0.0', 'Your message to <ida@dest.example> was automatically rejected: Not interested'), 'policy'],
  // Cisco IronPort's notice of a filter's bounce action; Dooray!'s notice of its sender's own restriction on outside mail.
  ['wording:administrator-rule', r('dsn', null, '5.0.0', '5.x.0 - Message bounced by administrator'), 'policy'],
  ['wording:administrator-rule', r('dsn', null, '5.0.0', '기밀 메일은 외부 계정으로 발송이 제한되어 메일 발송 실패'), 'policy'],
  // Korean full mailbox ("the recipient's mailbox capacity is full"), and a recipient who restricts what they receive.
  ['wording:mailbox-full', r('dsn', null, '5.0.0', '받는 사람의 메일함 용량이 가득 찼습니다.'), 'mailbox-full'],
  ['wording:recipient-refused-sender', r('dsn', null, '5.0.0', '받는 사람이 현재 메일 수신을 제한하고 있습니다.'), 'policy'],
  // AOL's connection block for too much spam from our IP (its page 554conb1), under a 5.2.1 that would read as a disabled mailbox.
  ['provider:aol-blocked', r('data', 521, '5.2.1', '521 5.2.1 : (CON:B1) http://postmaster.info.aol.com/errors/554conb1.html'), 'reputation-or-blocklist'],
  ['provider:aol-con-throttled', r('connect', 421, null, '421 CON:B1'), 'rate-limited'],
  // OpenSMTPD's local delivery agent failing, as its delay warning quotes it ("rcpt: \"mail.maildir: Permission denied\"").
  ['provider:local-delivery-agent', r('dsn', null, '4.3.0', 'mail.maildir: Permission denied'), 'system-error'],
  // (BSD's mail.local checks the user itself: its "unknown user" is the address.)
  ['wording:user-unknown', r('dsn', null, null, 'mail.local: unknown user: kim'), 'mailbox-unknown'],
  // Yandex's rate limit on a recipient under a protocol status: the words say which.
  [
    'wording:rate-limited',
    r('data', 451, '4.5.1', '451 4.5.1 The recipient <kim@dest.example> has exceeded their message rate limit. Try again later.'),
    'rate-limited',
  ],
  // Gmail's older deferral when the receiver's TLS failed for the moment: their set-up, not a policy of ours.
  ['wording:tls-broken-there', r('ehlo', 454, null, '454 TLS not available due to temporary reason'), 'system-error'],
  // amavis's title for a banned attachment, as its notice heads it.
  ['wording:banned-attachment', r('dsn', null, '5.7.1', 'BANNED CONTENTS ALERT'), 'virus'],
  // Exim (1&1's relays) when the domain's MX hosts have no address.
  ['wording:no-mx-records', r('dsn', null, '5.0.0', 'no valid MX hosts found'), 'no-mail-service'],
  // (Dooray!'s notice quotes this as the remote host's answer.)
  ['wording:recipient-refused-sender', r('dsn', null, '5.0.0', 'Your mail was denied from the receiver.'), 'policy'],
  ['wording:recipient-refused-sender', r('rcpt', 550, null, '550 The recipient has blocked your email address'), 'policy'],
  // (The recipient's *server* named: no cause, not the recipient's own block.)
  ['code:550@rcpt', r('rcpt', 550, null, '550 Message rejected by recipient server'), 'unknown'],
  // Gmail's notice in Korean ("Address not found"; "… because the address couldn't be found, or is unable to receive mail").
  ['wording:user-unknown', r('dsn', null, '5.0.0', '주소를 찾을 수 없거나 해당 주소에서 메일을 받을 수 없어 메일이 전송되지 않았습니다.'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, '550 존재하지 않는 사용자입니다'), 'mailbox-unknown'],
  // Exchange's expiry that names its cause reads by the cause; one that names none stays an expiry.
  ['wording:connection-refused', r('dsn', null, '5.4.316', '550 5.4.316 Message expired, connection refused(Socket error code 10061)'), 'connection-failure'],
  ['wording:connection-timeout', r('dsn', null, '5.4.317', '550 5.4.317 Message expired, connection timed out'), 'connection-failure'],
  ['wording:expired', r('dsn', null, '5.4.300', '550 5.4.300 Message expired'), 'expired'],
  // Notices quoted in public threads (issue 16, session 53). Lotus Notes' reason for a peer that refused a command:
  ['wording:protocol', r('dsn', null, null, 'The peer SMTP host reports that it received bad SMTP command syntax.'), 'protocol-error'],
  // Gmail's technical details when the connection broke while reading ("read error (0)"); qmail's queue read error is its own fault.
  ['wording:connection-lost', r('dsn', null, null, 'read error: generic::failed_precondition: read error (0): error'), 'connection-failure'],
  ['wording:system-error', r('data', 451, null, '451 qq read error (#4.3.0)'), 'system-error'],
  // A groupware's own notice (grommunio gromox's template) for a message over its size limit.
  [
    'wording:message-too-large',
    r('dsn', null, null, 'Your message to "kim@dest.example" cannot be delivered properly because it\'s too large!'),
    'message-too-large',
  ],
  // Servers' own words for a domain that does not resolve: hMailServer's (its spelling) and Stalwart's.
  ['wording:nxdomain', r('dsn', null, null, "No mail servers appear to exists for the recipient's address."), 'domain-unknown'],
  ['wording:nxdomain', r('dsn', null, '5.0.0', "failed to lookup 'dest-typo.example': record not found"), 'domain-unknown'],
  // MMDF's failure after its retry period ("Failed mail").
  ['wording:expired', r('dsn', null, null, 'After 4 days (73 hours), your message could not be\nfully delivered.'), 'expired'],
  // QQ Mail's check of our sending domain's DNS, after DATA (not the recipient's domain).
  [
    'provider:tencent-sender-dns',
    r(
      'data',
      550,
      null,
      '550 Domain may not exist or DNS check failed [MJadslwKXWFV1w]. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000730',
    ),
    'authentication-policy',
  ],
  // Debian's Exim configuration, its default texts: its own lists, header checks and the line-length limit.
  [
    'provider:exim-local-lists',
    r('rcpt', 550, null, 'sender envelope address ann@shop.example is locally blacklisted here. If you think this is wrong, get in touch with postmaster'),
    'policy',
  ],
  ['provider:exim-local-lists', r('rcpt', 550, null, 'restricted characters in address'), 'policy'],
  [
    'provider:dnsbl',
    r('rcpt', 550, null, 'sender IP address 192.0.2.33 is locally blacklisted here. If you think this is wrong, get in touch with postmaster'),
    'reputation-or-blocklist',
  ],
  ['wording:not-rfc-compliant', r('data', 550, null, 'header syntax'), 'protocol-error'],
  ['wording:not-rfc-compliant', r('data', 550, null, 'maximum allowed line length is 998 octets, got 1200'), 'protocol-error'],
  ['wording:sender-rejected', r('data', 550, null, 'No verifiable sender address in message headers'), 'policy'],
  // Cyrus over LMTP, for a mailbox whose access list does not let the sender post.
  [
    'wording:no-permission-to-post',
    r('rcpt', 550, null, '550-You do not have permission to post a message to this mailbox.\n550 5.7.1 Permission denied'),
    'policy',
  ],
  // Postfix's local delivery refusing a .forward's command or file (allow_mail_to_commands / allow_mail_to_files).
  ['wording:mail-to-command-restricted', r('dsn', null, '5.7.1', 'mail to command is restricted'), 'policy'],
  // Exchange 2007's text for a recipient that only takes mail from authorised senders.
  [
    'provider:microsoft-group-restricted',
    r('dsn', null, null, "Your message wasn't delivered because of security policies. Microsoft Exchange will not try to redeliver this message for you."),
    'policy',
  ],
  // Providers' documented replies (issue 16, helper r): more rows in provider-replies.test.ts.
  ['provider:gmail-tls-required', r('data', 550, '5.7.29', "This message was blocked because it wasn't sent over a TLS connection."), 'tls-required'],
  ['provider:gmail-dkim-failed', r('data', 550, '5.7.30', "This message was blocked because it didn't pass DKIM authentication."), 'authentication-policy'],
  [
    'provider:gmail-low-reputation',
    r('data', 421, '4.7.0', 'This message is suspicious due to the very low reputation of the sending IP address.'),
    'reputation-or-blocklist',
  ],
  ['provider:microsoft-throttled', r('rcpt', 432, '4.3.2', 'STOREDRV.Deliver; recipient thread limit exceeded'), 'rate-limited'],
  ['provider:microsoft-tenant-threshold', r('mail', 550, '5.7.705', 'Access denied, tenant has exceeded threshold'), 'reputation-or-blocklist'],
  [
    'provider:microsoft-unregistered-domain',
    r('mail', 550, '5.7.750', 'Service unavailable. Client blocked from sending from unregistered domains.'),
    'policy',
  ],
  ['provider:microsoft-tenant-rules', r('rcpt', 550, '5.7.520', 'Access denied, Your organization does not allow external forwarding. AS(7555)'), 'policy'],
  [
    'provider:comcast-blocked',
    r('connect', 554, null, 'mx.example.net comcast 192.0.2.1 Comcast block for spam. Please see http://postmaster.comcast.net/smtp-error-codes.php#BL000000'),
    'reputation-or-blocklist',
  ],
  ['provider:comcast-rate', r('connect', 421, null, 'mx.example.net comcast 192.0.2.1 Too many sessions opened, see #RL000001'), 'rate-limited'],
  [
    'provider:icloud-volume',
    r('rcpt', 421, '4.7.1', 'Messages to jane@icloud.com deferred due to excessive volume. Try again later - https://support.apple.com/en-us/HT204137'),
    'rate-limited',
  ],
  [
    'provider:icloud-authentication',
    r('data', 550, '5.7.1', 'Your message was rejected due to example.com DMARC policy. Please visit https://support.apple.com/en-us/HT204137'),
    'authentication-policy',
  ],
  [
    'provider:mailru-no-such-user',
    r('data', 550, null, 'Message was not accepted -- invalid mailbox.  Local mailbox ivan@mail.example is unavailable: user not found'),
    'mailbox-unknown',
  ],
  ['provider:icloud-inactive', r('rcpt', 550, '5.1.1', '<jane@icloud.com>: inactive email address'), 'mailbox-disabled'],
  // Apple's private relay refuses our unregistered return path, quoted with a 5.1.1: a policy on us, the address is valid.
  ['provider:apple-relay-unauthorized-sender', r('rcpt', 550, '5.1.1', '<b+12-ab@bounces.shop.example>: unauthorized sender'), 'policy'],
  ['provider:icloud-lookup-failure', r('rcpt', 550, '5.1.1', '<jane@icloud.com>: user lookup success but no user record found.'), 'system-error'],
  ['provider:symantec-denied', r('data', 554, null, 'Denied (Mode: normal)'), 'content-or-spam'],
  [
    'provider:microsoft-tls-checks',
    r('connect', 550, '5.7.321', 'starttls-not-supported: Destination mail server must support TLS to receive mail.'),
    'tls-required',
  ],
  ['provider:microsoft-ip-restricted', r('mail', 451, '4.7.850', 'Access denied, please try again later.'), 'reputation-or-blocklist'],
  ['wording:spoofed-sender', r('data', 550, null, 'rejecting spoofed message'), 'authentication-policy'], // Barracuda
  ['provider:qmail-rcpthosts', r('rcpt', 553, null, "sorry, that domain isn't in my list of allowed rcpthosts (#5.5.3 - chkuser)"), 'relay-denied'],
  ['provider:exim-sender-verify', r('rcpt', 550, null, 'Sender verify failed: the account or domain may not exist, they may be blacklisted'), 'policy'],
  ['provider:vade-no-such-user', r('rcpt', 550, '5.7.1', 'Connection refused - OXSUS001_403'), 'mailbox-unknown'],
  ['provider:vade-blocked', r('connect', 550, '5.7.1', 'Connection refused - OXSUS0001_101'), 'reputation-or-blocklist'],
  ['provider:vade-busy', r('connect', 421, '4.2.1', 'Connection deferred - OXSUS0001_102'), 'server-busy'],
  ['provider:vade-reverse-dns', r('connect', 550, '5.7.1', 'Connection refused - OXSUS0001_105'), 'authentication-policy'],
  ['provider:vade-rate', r('connect', 421, '4.2.1', 'Connection refused - OXSUS0001_140'), 'rate-limited'],
  ['provider:yandex-target-blocked', r('rcpt', 550, '5.7.1', 'Policy rejection on the target address'), 'mailbox-disabled'],
  [
    'provider:mimecast-busy',
    r('connect', 421, null, 'Unable to process connection at this time - https://community.mimecast.com/docs/DOC-1369#421'),
    'server-busy',
  ],
  ['provider:sophos-no-such-recipient', r('rcpt', 550, '5.7.1', 'XGEMAIL_0011 Command rejected'), 'mailbox-unknown'],
  ['provider:sophos-authentication', r('data', 550, '5.7.1', 'XGEMAIL_0003 Command rejected'), 'authentication-policy'],
  ['provider:sophos-blocklist', r('connect', 550, '5.7.1', 'XGEMAIL_0004 Command rejected'), 'reputation-or-blocklist'],
  ['provider:sophos-tls', r('rcpt', 550, '5.7.4', 'XGEMAIL_0006 Command rejected'), 'tls-required'],
  ['provider:sophos-block-list', r('rcpt', 550, '5.7.1', 'XGEMAIL_0008 Command rejected'), 'policy'],
  ['provider:sophos-not-protected', r('rcpt', 550, '5.7.1', 'XGEMAIL_0010 Command rejected'), 'relay-denied'],
  ['provider:sophos-size', r('data', 552, '5.3.4', 'XGEMAIL_0012 Command rejected'), 'message-too-large'],
  ['provider:sophos-limits', r('rcpt', 450, '4.7.1', 'XGEMAIL_0014 Command rejected'), 'rate-limited'],
  ['provider:sophos-licence', r('rcpt', 550, '5.7.1', 'XGEMAIL_0007 Command rejected'), 'system-error'],
  ['provider:netease-rate', r('connect', 421, null, 'HL:ICC 163 mx12,ZsCowAC1.1 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1'), 'rate-limited'],
  [
    'provider:netease-blocked',
    r('connect', 421, null, 'HL:REP 163 mx12,ZsCowAC1.1 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1'),
    'reputation-or-blocklist',
  ],
  ['provider:netease-spam', r('data', 554, null, 'DT:SPM 163 smtp7,C8CowAD1.1 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1'), 'content-or-spam'],
  ['provider:netease-allowlist', r('mail', 450, null, 'WM:BLU 163 mx12,ZsCowAC1.1 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1'), 'policy'],
  ['provider:netease-commands', r('mail', 450, null, 'MI:CEL 163 mx12,ZsCowAC1.1 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1'), 'protocol-error'],
  ['wording:user-unknown-hosts', r('rcpt', 550, null, '#2175041 unavailable mail user'), 'mailbox-unknown'],
  [
    'provider:tonline-ip-refused',
    r('connect', 554, null, 'IP=192.0.2.1 - None/bad reputation. Ask your postmaster for help or to contact postmaster@rx.t-online.de for reset. (NOWL)'),
    'reputation-or-blocklist',
  ],
  ['provider:ip-filtered', r('connect', 421, '4.3.2', 'Your IP(192.0.2.1) is filtered and this connection will be closed.'), 'reputation-or-blocklist'],
  ['provider:sending-account-disabled', r('mail', 550, null, 'message sending for this account is disabled'), 'policy'],
  ['provider:barracuda-recipient-blocked', r('data', 550, null, 'permanent failure for one or more recipients (jane@example.com:blocked)'), 'policy'],

  // Subject-level statuses
  ['enhanced:X.2.1', r('rcpt', 550, '5.2.1', '<jane@example.org>... Rejected'), 'mailbox-disabled'],
  ['enhanced:X.1.0', r('rcpt', 553, '5.1.0', 'Rejected'), 'unknown'],
  ['enhanced:X.2.*', r('rcpt', 550, '5.2.0', 'Rejected'), 'unknown'],
  ['enhanced:X.3.*', r('data', 554, '5.3.0', 'Rejected'), 'system-error'],
  ['enhanced:4.4.*', r('dsn', null, '4.4.0', null), 'connection-failure'],
  ['enhanced:5.4.*', r('dsn', null, '5.4.0', null), 'system-error'],
  ['enhanced:X.5.*', r('rcpt', 550, '5.5.0', 'Rejected'), 'protocol-error'],
  ['enhanced:X.6.*', r('data', 554, '5.6.0', 'Rejected'), 'content-or-spam'],
  ['enhanced:X.7.1@connect', r('connect', 550, '5.7.1', 'Rejected'), 'reputation-or-blocklist'],
  ['enhanced:X.7.*', r('rcpt', 550, '5.7.1', 'Rejected'), 'policy'],

  // Vague wording
  ['wording:access-denied', r('rcpt', 550, null, 'Denied by policy'), 'policy'],
  // Postfix's address verification: not concluded ("unverified") is not a missing mailbox; concluded ("undeliverable") is.
  [
    'provider:postfix-unverified-address',
    r('rcpt', 450, null, '4.1.1 <kim@example.com>: Recipient address rejected: unverified address: Recipient address lookup failed'),
    'system-error',
  ],
  [
    'enhanced:X.1.1+verification',
    r(
      'rcpt',
      550,
      null,
      '5.1.1 <kim@example.com>: Recipient address rejected: undeliverable address: host mx.example.com[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command)',
    ),
    'mailbox-unknown',
  ],
  // GMX and web.de: a reason code on their postmaster page, behind a policy refusal in general words.
  [
    'wording:access-denied',
    r('data', 554, null, 'Transaction failed Reject due to policy restrictions. For explanation visit https://postmaster.gmx.net/en/case?c=r0701'),
    'policy',
  ],

  // Basic codes
  [
    'wording:qmail-rcpt-refused',
    r('dsn', null, '5.0.0', '192.0.2.7 does not like recipient.\nRemote host said: 550 Requested action not taken\nGiving up on 192.0.2.7.'),
    'mailbox-unknown',
  ],
  ['code:2xx', r('data', 250, null, 'Ok: queued as 4XyZ12'), 'accepted'],
  ['code:421', r('rcpt', 421, null, 'mx.example.org'), 'server-busy'],
  ['code:450@rcpt', r('rcpt', 450, null, '<jane@example.org>'), 'server-busy'],
  ['code:450', r('mail', 450, null, '<bounce@example.com>'), 'server-busy'],
  ['code:451', r('data', 451, null, 'Requested action aborted'), 'server-busy'],
  ['code:452@rcpt', r('rcpt', 452, null, '<jane@example.org>'), 'rate-limited'],
  ['code:452', r('mail', 452, null, 'Requested action not taken'), 'server-busy'],
  ['enhanced:starttls-refused', r('starttls', 454, '4.7.0', 'TLS not available due to local problem'), 'connection-failure'],
  ['code:454@auth', r('auth', 454, null, 'Temporary authentication failure'), 'policy'],
  ['code:454', r('mail', 454, null, 'Requested action not taken'), 'server-busy'],
  ['code:500-504', r('ehlo', 502, null, 'mx.example.org: no'), 'protocol-error'],
  ['code:521', r('connect', 521, null, 'mx.example.org'), 'no-mail-service'],
  ['code:556', r('rcpt', 556, null, 'example.org'), 'no-mail-service'],
  ['code:530', r('mail', 530, null, 'Access to this service requires a login'), 'policy'],
  ['code:534-538', r('auth', 534, null, 'Authentication mechanism is too weak'), 'policy'],
  ['code:551', r('rcpt', 551, null, 'User not here; please try <jane@new.example>'), 'mailbox-moved'],
  ['code:552@mail', r('mail', 552, null, 'Requested mail action aborted'), 'message-too-large'],
  ['code:552@rcpt', r('rcpt', 552, null, 'Requested mail action aborted'), 'mailbox-full'],
  ['code:552', r('data', 552, null, 'Requested mail action aborted'), 'message-too-large'],
  ['code:553@mail', r('mail', 553, null, '<bounce@example.com>'), 'policy'],
  ['code:553', r('rcpt', 553, null, '<jane@example.org>'), 'unknown'],
  ['code:555', r('mail', 555, null, 'Unsupported option: SMTPUTF8'), 'protocol-error'],
  ['code:554@connect', r('connect', 554, null, 'mx.example.org'), 'reputation-or-blocklist'],
  ['code:5xx@connect', r('connect', 550, null, 'mx.example.org'), 'reputation-or-blocklist'],
  ['code:5xx@ehlo', r('ehlo', 550, null, 'not today'), 'policy'],
  ['code:5xx@mail', r('mail', 550, null, '<bounce@example.com>'), 'policy'],
  ['code:550@rcpt', r('rcpt', 550, null, '<jane@example.org>'), 'unknown'],
  ['code:5xx@data', r('data', 554, null, 'Transaction failed'), 'content-or-spam'],
  // Session 45's probes: prose the rules lacked, and statuses that gave way to words or lost a wrong meaning.
  ['provider:local-delivery-quota', r('dsn', 550, null, 'procmail: Quota exceeded while writing "/var/mail/jane"'), 'mailbox-full'],
  ['provider:local-delivery-quota', r('dsn', 550, null, 'procmail: Mailbox limit exceeded while appending message'), 'mailbox-full'],
  ['wording:mailbox-over-limit', r('rcpt', 552, null, 'Mailbox limit exceeded'), 'mailbox-full'],
  ['wording:mailbox-over-limit', r('rcpt', 550, null, 'mailbox is over its size limit'), 'mailbox-full'],
  ['wording:mailbox-over-limit', r('dsn', 550, null, 'Quota exceed the hard limit for user jane'), 'mailbox-full'],
  ['wording:mailbox-full', r('dsn', null, '5.0.0', 'El buzón del destinatario está lleno y no puede aceptar mensajes.'), 'mailbox-full'],
  ['wording:mailbox-full', r('dsn', null, '5.0.0', 'La boîte aux lettres du destinataire est pleine.'), 'mailbox-full'],
  ['wording:mailbox-full', r('dsn', null, '5.0.0', 'A caixa de correio do destinatário está cheia.'), 'mailbox-full'],
  ['wording:mailbox-full', r('dsn', null, '5.0.0', 'Het postvak van de geadresseerde is vol.'), 'mailbox-full'],
  ['wording:mailbox-full', r('rcpt', 550, '5.5.4', "receiptor's mailbox is full(#5.5.4)"), 'mailbox-full'],
  ['wording:user-unknown', r('rcpt', 550, null, 'Mailbox has been deleted'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, 'jane@example.org is no longer a valid address'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, 'user has no mailbox'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, '5.5.1', 'User unknown'), 'mailbox-unknown'],
  ['wording:mailbox-moved', r('rcpt', 550, '5.7.1', '<bill@example.org>: Recipient address rejected: Bill has moved to bill@example.net'), 'mailbox-moved'],
  ['wording:mailbox-moved', r('rcpt', 551, '5.1.1', '<george@example.org>... User not local; please try <george@example.net>'), 'mailbox-moved'],
  ['wording:our-host-refused', r('mail', 550, null, 'Sorry, no access for this ip'), 'reputation-or-blocklist'],
  ['wording:relay-denied', r('rcpt', 553, null, '<jdoe@example.org>... unauthorized relay traffic prohibited'), 'relay-denied'],
  ['wording:helo-rejected', r('dsn', 550, null, 'Messages from your location are rejected, bad or missing identifier (HELO).'), 'protocol-error'],
  ['wording:connection-lost', r('dsn', null, null, 'Unable to deliver the message due to a communications failure'), 'connection-failure'],
  ['wording:nxdomain', r('dsn', null, '5.0.0', 'Illegal host/domain name found'), 'domain-unknown'],
  ['wording:loop', r('rcpt', 554, '5.4.4', 'SMTPSEND.DNS.MxLoopback; DNS records for this domain are configured in a loop'), 'system-error'],
  ['enhanced:5.3.2-no-mail', r('rcpt', 556, '5.3.2', 'Domain does not accept mail'), 'no-mail-service'],
  ['enhanced:5.3.2-busy', r('rcpt', 554, '5.3.2', 'system not accepting network messages'), 'server-busy'],
  ['enhanced:X.5.3-words', r('rcpt', 550, '5.5.3', 'Too many recipients'), 'rate-limited'],
  ['enhanced:X.5.3-refused', r('rcpt', 503, '5.5.3', 'Message rejected by recipient filter'), 'policy'],
  ['enhanced:X.6.2', r('data', 554, '5.6.2', 'Conversion required and prohibited'), 'protocol-error'],
  ['enhanced:X.6.3', r('data', 554, '5.6.3', 'Conversion required but not supported'), 'protocol-error'],
  ['enhanced:X.6.5', r('data', 554, '5.6.5', 'Conversion failed'), 'protocol-error'],
  [
    'wording:user-unknown',
    r(
      'rcpt',
      550,
      null,
      "Greetings ann@example.org The account you're trying to reach doesn't exist, but we think you're trying to find resources related to pet insurance.",
    ),
    'mailbox-unknown',
  ],
  ['wording:nxdomain', r('dsn', null, '5.0.0', 'unrouteable mail domain "example.org"'), 'domain-unknown'],
  ['wording:mailbox-full', r('dsn', null, '5.0.0', 'Error Description: Inbox is full. Additional information: The recipients inbox is full.'), 'mailbox-full'],
  [
    'wording:connection-timeout',
    r('dsn', null, '4.0.0', 'A connection attempt failed because the connected party did not properly respond after a period of time'),
    'connection-failure',
  ],
  ['provider:dnsbl', r('rcpt', 550, null, '[SPFBL] blocked.'), 'reputation-or-blocklist'],
  ['wording:relay-denied', r('rcpt', 550, null, 'relaying to <ann@example.org> prohibited by administrator'), 'relay-denied'],
  ['enhanced:X.5.1-auth', r('rcpt', 530, '5.5.1', 'Authentication Required. Learn more at https://support.google.com/mail/?p=WantAuthError'), 'policy'],
  [
    'provider:microsoft-send-as-denied',
    r(
      'data',
      550,
      '5.2.252',
      'SendAsDenied; user@example.org not allowed to send as other@example.net; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied',
    ),
    'policy',
  ],
  ['wording:system-error', r('dsn', null, null, 'Unable to run qmail-remote.'), 'system-error'],
  ['provider:sender-blacklisted', r('rcpt', 550, '5.1.1', '<ann@example.org> sender is blacklisted'), 'policy'],
  ['enhanced:X.3.1-too-many', r('rcpt', 421, '4.3.1', 'You send too many messages.'), 'rate-limited'],
  ['enhanced:4.4.7-delayed', r('dsn', 400, '4.4.7', 'Message delayed'), 'server-busy'],
  ['wording:protocol', r(null, 550, null, 'Protocol violation'), 'protocol-error'],
  ['wording:reverse-dns', r('mail', 501, '5.7.1', '<app@shop.example>...Sender IP must resolve'), 'authentication-policy'],
  ['wording:message-too-large', r('data', 550, null, '[Sniper] Exceeds the limit size of email'), 'message-too-large'],
  ['wording:mailbox-full', r('data', 552, null, 'ann@example.org is full'), 'mailbox-full'],
  ['wording:mailbox-full', r('rcpt', 550, null, 'mail box space not enough'), 'mailbox-full'],
  ['wording:mailbox-full', r('rcpt', 550, '5.1.1', 'Postkassen er fuld'), 'mailbox-full'],
  [
    'wording:our-host-refused+verification',
    r(
      'rcpt',
      550,
      '5.1.1',
      '<ann@example.org>: Recipient address rejected: undeliverable address: host mail.example.org[192.0.2.1] said: 554 5.7.1 <unknown[192.0.2.9]>: Client host rejected: Access denied',
    ),
    'reputation-or-blocklist',
  ],
  [
    'provider:postfix-unverified-address',
    r(
      'rcpt',
      450,
      '4.1.1',
      '<ann@example.org>: Recipient address rejected: unverified address: Host or domain name not found. Name service error for name=example.org type=MX: Host not found, try again',
    ),
    'system-error',
  ],
  ['wording:system-error', r('dsn', null, '4.3.0', 'Command time limit exceeded: "/usr/local/bin/filter.sh"'), 'system-error'],
  [
    'wording:system-error',
    r('dsn', null, '5.0.0', 'Child process of address_pipe transport returned 69 (could mean service or program unavailable) from command: /usr/bin/php'),
    'system-error',
  ],
  ['wording:system-error', r('dsn', null, '5.0.0', 'delivery to file forbidden'), 'system-error'],
  ['wording:protocol', r('data', 554, '5.6.0', 'Message contains invalid header'), 'protocol-error'],
  ['enhanced:X.4.2-rate', r('rcpt', 421, '4.4.2', 'Message submission rate for this client has exceeded the configured limit'), 'rate-limited'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', '1 (unable-to-transfer) 0 (unrecognised-OR-name)'), 'mailbox-unknown'],
  [
    'wording:mailbox-full',
    r('dsn', null, '5.0.0', "maildir delivery failed: Sorry, the user's maildir has overdrawn his diskspace quota, please try again later."),
    'mailbox-full',
  ],
  ['wording:mailbox-over-limit', r('data', 552, null, 'Message size exceeds remaining quota'), 'mailbox-full'],
  ['wording:relay-denied', r('rcpt', 553, '5.3.0', '<ann@example.org>... Please receive your mail before sending'), 'relay-denied'],
  ['wording:banned-attachment', r('data', 550, null, 'E507 Blacklisted MIME type'), 'virus'],
  ['wording:banned-attachment', r('data', 550, '5.7.1', 'Attachment invoice.scr not permitted'), 'virus'],
  ['wording:banned-attachment', r('data', 554, '5.7.0', 'Reject, id=20646-06 - BANNED: application/octet-stream,setup.exe'), 'virus'],
  ['wording:virus', r('data', 554, '5.7.0', 'Reject, id=20646-07 - VIRUS: Eicar-Test-Signature'), 'virus'],
  // Wordings found in public bounce-handling rule sets' samples (their words, our rows): a quota, a locked or
  // unactivated account, CommuniGate's broken connection and disabled receiving, an I/O error, vpopmail's mail file.
  ['wording:mailbox-full', r('dsn', null, null, 'Sorry the recipient quota limit is exceeded. This message is returned as an error.'), 'mailbox-full'],
  ['wording:mailbox-full', r('dsn', null, null, 'The user to whom this message was addressed has exceeded the allowed mailbox quota.'), 'mailbox-full'],
  ['wording:mailbox-disabled', r('rcpt', 550, null, '<ann@dest.example>... User account not activated'), 'mailbox-disabled'],
  ['wording:mailbox-disabled', r('rcpt', 550, null, '<ann@dest.example>: User status is locked.'), 'mailbox-disabled'],
  [
    'wording:mailbox-disabled',
    r('dsn', null, null, "Failed to deliver to '<ann@dest.example>' LOCAL module(account ann) reports: mail receiving disabled"),
    'mailbox-disabled',
  ],
  [
    'wording:connection-lost',
    r('dsn', null, '4.0.0', 'SMTP module(domain dest.example) reports: connection with mx1.dest.example is broken'),
    'connection-failure',
  ],
  ['wording:system-error', r('data', 451, '4.0.0', 'I/O error'), 'system-error'],
  [
    'wording:system-error',
    r('dsn', null, null, '<ann@dest.example>: can not open new email file errno=13 file=/home/vpopmail/domains/dest.example/ann/Maildir/tmp/1'),
    'system-error',
  ],
  ['wording:user-unknown', r('rcpt', 550, null, "I'm sorry but ann@dest.example does not have an account here."), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, 'User not a member of domain: <ann@dest.example>'), 'mailbox-unknown'],
  [
    'wording:user-unknown',
    r('rcpt', 550, null, 'The recipient cannot be verified.  Please check all recipients of this message to verify they are valid.'),
    'mailbox-unknown',
  ],
  [
    'wording:ambiguous-recipient',
    r('dsn', null, null, 'Recipient user name info (ann@dest.example) not unique.  Several matches found in Domino Directory.'),
    'mailbox-unknown',
  ],
  // Google's relay for Workspace accounts: our sender account, not the recipient's mailbox.
  [
    'enhanced:X.7.*',
    r('mail', 550, '5.7.0', 'Mail Sending denied. This error occurs if the sender account is disabled or not registered within your G Suite domain.'),
    'policy',
  ],
  // Microsoft 365's own tenant blocking a recipient (its NDR reference: 5.7.703): the sender's organisation, not the address.
  [
    'provider:microsoft-tenant-rules',
    r(
      'rcpt',
      550,
      '5.7.703',
      "Your message can't be delivered because one or more recipients are blocked by your organization's tenant recipient block policy",
    ),
    'policy',
  ],
  // Providers' published texts (their words as wordings, our rows): a full account, RFC 3463's name for X.1.2, a
  // size over a policy, a blacklisted *file extension* (an attachment rule, not a block list of our IP).
  ['wording:mailbox-full', r('rcpt', 552, null, 'Account is full'), 'mailbox-full'],
  ['wording:nxdomain', r('rcpt', 550, null, 'Bad destination system address'), 'domain-unknown'],
  ['wording:message-too-large', r('data', 552, '5.2.0', 'Email size exceeded the policy.'), 'message-too-large'],
  ['wording:banned-attachment', r('data', 550, null, 'MSG-EXT: Blacklisted high risk file extension detected'), 'virus'],
  // Mailutils' Sieve reject and Postfix's DANE without TLSA records; Postfix's local(8) failing on the mailbox file.
  [
    'wording:sieve-rejected',
    r('dsn', null, null, "Message was refused by recipient's mail filtering program. Reason given was as follows: no offers"),
    'policy',
  ],
  ['wording:tls-required', r('dsn', null, '4.7.5', 'no TLSA records found'), 'tls-required'],
  [
    'wording:system-error',
    r('dsn', null, '5.2.0', 'cannot append message to file /var/mail/ann: cannot create file exclusively: No such file or directory'),
    'system-error',
  ],
  // Yahoo tags the command its reply answered: "[BODY]" is the end of the data (a "user unknown" there is a filter's).
  ['wording:unknown-user@data', r('dsn', null, null, 'Remote host said: 550 User unknown [BODY]'), 'policy'],
  // amavis failing to process a message (quarantine unreachable): its own failure, whatever the X.5.0 says.
  ['wording:system-error', r('data', 451, '4.5.0', 'Error in processing, id=15688-01, quar+notif FAILED: temporarily unable to quarantine'), 'system-error'],
  ['wording:banned-attachment', r('dsn', null, '5.0.0', 'BANNED CONTENTS ALERT: banned name: .exe,invoice.exe'), 'virus'],
  ['wording:virus', r('dsn', null, '5.0.0', 'ウイルスが発見されました'), 'virus'],
  ['provider:sender-blacklisted', r('rcpt', 550, null, '<ann@example.org> has blacklisted <news@example.net>'), 'policy'],
  ['wording:sender-checks', r('mail', 451, null, 'From:domain must resolve'), 'policy'],
  [
    'wording:dkim-spf-dmarc',
    r('data', 550, '5.7.0', '(COL004-MC1F52) could not be delivered due to domain owner policy restrictions'),
    'authentication-policy',
  ],
  ['wording:connection-timeout', r('dsn', null, null, 'Failed four Attempts to connect to recipients mail server'), 'connection-failure'],
  [
    'wording:mailbox-inactive',
    r('rcpt', 550, null, 'Due to extended inactivity new mail is not currently being accepted for this mailbox.'),
    'mailbox-disabled',
  ],
  ['wording:not-rfc-compliant', r('data', 550, '5.7.1', '[192.0.2.7] Messages missing a valid messageId header are not accepted.'), 'protocol-error'],
  [
    'wording:loop',
    r(
      'dsn',
      null,
      null,
      'Connection to recipients server failed. Error: Could not connect to 192.0.2.7 on port 25 since this would mean connecting to myself.',
    ),
    'system-error',
  ],
  // No such user, no such domain and a full mailbox in Vietnamese, Thai, Turkish, Indonesian, Arabic, Latvian, Estonian.
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'Tài khoản không tồn tại'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'ที่อยู่อีเมลไม่ถูกต้องหรือไม่มีอยู่จริง'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'Geçersiz veya var olmayan e-posta adresi'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'Böyle bir kullanıcı yok (Bilinmeyen kullanıcı)'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'Akun tidak ada'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'Alamat email tidak terdaftar di server penerima'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'مستخدم غير معروف'), 'mailbox-unknown'],
  ['wording:nxdomain', r('dsn', null, '5.0.0', 'Không tìm thấy Host'), 'domain-unknown'],
  ['wording:nxdomain', r('dsn', null, '5.0.0', 'لم يتم العثور على النطاق'), 'domain-unknown'],
  ['wording:mailbox-full', r('dsn', null, '5.0.0', 'Bu kullanıcının posta kutusu dolu'), 'mailbox-full'],
  ['wording:mailbox-full', r('dsn', null, '5.0.0', 'صندوق البريد ممتلئ'), 'mailbox-full'],
  ['wording:mailbox-full', r('dsn', null, '5.0.0', 'กล่องจดหมายเต็ม'), 'mailbox-full'],
  ['wording:mailbox-full', r('dsn', null, '5.0.0', 'Saaja postkast on täis'), 'mailbox-full'],
  ['wording:mailbox-full', r('dsn', null, '5.0.0', 'Adresāta pastkastīte ir pārpildīta'), 'mailbox-full'],
  // Exchange's reason sentences in its users' languages (the address not found, the destination server not in DNS, a full mailbox).
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'Die eingegebene E-Mail-Adresse wurde nicht gefunden.'), 'mailbox-unknown'],
  [
    'wording:user-unknown',
    r('dsn', null, '5.0.0', 'Das E-Mail-Konto existiert nicht in der Organisation, an die die Nachricht gesendet wurde.'),
    'mailbox-unknown',
  ],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'Nie można odnaleźć wprowadzonego adresu e-mail.'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'Указанный адрес электронной почты не найден.'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'Girdiğiniz e-posta adresi bulunamadı.'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'A megadott e-mail-cím nem található.'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'Finner ikke e-postadressen du skrev inn.'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'Det gick inte att hitta den e-postadress du angav.'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'Η διεύθυνση ηλεκτρονικού ταχυδρομείου που πληκτρολογήσατε δεν βρέθηκε.'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'No se encontró a carmen.lopez en example.org.'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, '5.0.0', 'hanako.suzuki が example.org で見つかりませんでした。'), 'mailbox-unknown'],
  [
    'wording:nxdomain',
    r('dsn', null, '5.4.0', 'No se encontró el servidor de destino para este destinatario en el Servicio de nombres de dominio (DNS).'),
    'domain-unknown',
  ],
  ['wording:nxdomain', r('dsn', null, '5.4.0', 'Der Zielserver für diesen Empfänger wurde im Domain Name Service (DNS) nicht gefunden.'), 'domain-unknown'],
  ['wording:mailbox-full', r('dsn', null, '5.0.0', 'Vastaanottajan postilaatikko on täynnä, eikä se voi nyt vastaanottaa viestejä.'), 'mailbox-full'],
  ['wording:mailbox-full', r('dsn', null, '5.0.0', 'Modtagerens postkasse er fuld og kan ikke modtage meddelelser lige nu.'), 'mailbox-full'],
  ['wording:mailbox-full', r('dsn', null, '5.0.0', '받는 사람의 사서함이 꽉 차서 지금은 메시지를 받을 수 없습니다.'), 'mailbox-full'],
  ['wording:mailbox-full', r('dsn', null, '5.0.0', 'La boîte aux lettres de paul.durand est pleine.'), 'mailbox-full'],
  // Session 46's probes: leavers' and retired addresses as universities and employers word them, without a status.
  ['wording:mailbox-moved', r('rcpt', 550, null, '550 recipient has left the University of Illinois Urbana-Champaign'), 'mailbox-moved'],
  ['wording:mailbox-moved', r('rcpt', 550, null, '550 You emailed fred.blogs@old.example.ac.uk try fred.blogs@new.example.ac.uk'), 'mailbox-moved'],
  ['wording:user-unknown', r('rcpt', 550, null, '550 Sorry, this address no longer exists'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, '550 Adressee Unknown'), 'mailbox-unknown'], // SBC/Pacbell's spelling
  // "spam" as a word of a URL's path or a host's name is no verdict on the content.
  ['wording:reputation', r('rcpt', 550, null, '550 Service unavailable; * [192.0.2.10] blocked, see http://mail.example.pl/spam/'), 'reputation-or-blocklist'],
  ['code:550@rcpt', r('rcpt', 550, null, '550 rejected by spam.filter.example'), 'unknown'],
  // Reply strings from MTAs' and filters' sources: a scanner that failed found nothing; amavis's BANNED is an attachment
  // it refuses; Cyrus's format refusals, Exim's synchronization error and Postfix's answer to a pipelining client are
  // about the protocol; Postfix's anvil limits and chkuser's recipient cap are rates; Haraka's resolver errors and
  // Sendmail's lookup failure are DNS; Haraka's karma is reputation.
  [
    'wording:virus-scanner-failure',
    r('data', 451, '4.5.0', '451 4.5.0 Error in processing, id=12345-01, virus_scan FAILED: AV: ALL VIRUS SCANNERS FAILED'),
    'system-error',
  ],
  ['wording:virus-scanner-failure', r('data', 450, null, '450 Error connecting to virus scanner'), 'system-error'],
  ['wording:banned-attachment', r('data', 554, '5.7.0', '554 5.7.0 Reject, id=12345-01 - BANNED: invoice.pdf.exe'), 'virus'],
  ['wording:banned-attachment', r('data', 550, '5.7.1', '550 5.7.1 Blocked BANNED (multipart/mixed | application/x-msdownload,.exe,invoice.exe)'), 'virus'],
  ['wording:protocol', r('data', 554, '5.6.0', '554 5.6.0 Message contains non-ASCII characters in headers'), 'protocol-error'],
  ['wording:protocol', r('data', 554, '5.6.0', '554 5.6.0 Message has no header/body separator'), 'protocol-error'],
  ['wording:protocol', r('rcpt', 554, null, '554 SMTP synchronization error'), 'protocol-error'],
  ['wording:protocol', r('ehlo', 421, '4.7.0', '421 4.7.0 mx.dest.example Error: I can break rules, too. Goodbye.'), 'protocol-error'],
  ['wording:too-many-connections', r('connect', 421, '4.7.0', '421 4.7.0 mx.dest.example Error: too many connection requests from 192.0.2.1'), 'rate-limited'],
  ['wording:too-many-connections', r('rcpt', 571, null, '571 sorry, reached maximum number of recipients for one session (#5.7.1 - chkuser)'), 'rate-limited'],
  ['wording:dns-temporary-reported', r('mail', 450, null, '450 Temp. resolver error (ESERVFAIL)'), 'dns-failure'],
  ['wording:dns-temporary-reported', r('dsn', null, '4.0.0', 'Deferred: Name server: dest.example.: host name lookup failure'), 'dns-failure'],
  ['wording:reputation', r('rcpt', 550, null, '550 very bad karma score: -8'), 'reputation-or-blocklist'],
  // "try" with an address of a help desk is no forwarding hint.
  ['enhanced:X.7.*', r('rcpt', 550, '5.7.1', '550 5.7.1 blocked, for removal try delist@example.org'), 'policy'],
  // Session 47's real MTAs: Haraka gives up on hosts it could not talk to under 5.1.2 ("Tried all MXs") and on a DNS
  // timeout under 5.1.0; Courier reports a failed lookup (SERVFAIL, and a null MX it does not know) as "DNS lookup
  // failed.", a peer that dropped the data or never greeted as "Network connection shut down…" / "Network is down".
  ['wording:connection-lost', r('dsn', 550, '5.1.2', '550 Tried all MXs refused.test'), 'connection-failure'],
  ['wording:dns-server-failure', r('dsn', 450, '5.1.0', '450 DNS lookup failure: Error: queryMx ETIMEOUT dest.example'), 'dns-failure'],
  ['wording:dns-server-failure', r('dsn', null, '5.0.0', 'DNS lookup failed.'), 'dns-failure'],
  ['wording:nxdomain', r('dsn', null, '5.0.0', 'DNS lookup failed: NXDOMAIN'), 'domain-unknown'],
  ['wording:connection-lost', r('dsn', null, '5.0.0', 'Network connection shut down by the remote mail server'), 'connection-failure'],
  ['wording:connection-lost', r('dsn', null, '5.0.0', 'Network is down'), 'connection-failure'],
  ['wording:tls-required', r('dsn', 454, '4.7.0', '454 4.7.0 TLS not available'), 'tls-required'], // Postfix's Diagnostic-Code when TLS was required
  ['wording:dns-try-again', r('dsn', null, '4.0.0', 'Temporary failure in MX lookup'), 'dns-failure'], // OpenSMTPD's SERVFAIL
  // Exim's system filter's `fail text` and cPanel's routing failure, whose stock guess names block lists; a retired address.
  ['wording:banned-attachment', r('dsn', null, '5.0.0', 'Message rejected by system filter: executable attachments are not accepted here'), 'virus'],
  ['wording:spam', r('data', 550, null, '550 Message rejected by system filter'), 'content-or-spam'],
  [
    'provider:cpanel-cannot-route',
    r(
      'dsn',
      null,
      '5.0.0',
      'The mail server could not deliver mail to ann@dest.example.  The account or domain may not exist, they may be blacklisted, or missing the proper dns entries.',
    ),
    'mailbox-unknown',
  ],
  ['wording:user-unknown', r('rcpt', 550, null, '550 Address no longer in use'), 'mailbox-unknown'],
  // Real receivers: Postfix's refusal of our sender by a site's own list, Haraka's answer for a domain no plugin takes,
  // a Postfix relay's address verification quoting Exim's "Unrouteable address".
  ['provider:postfix-sender-access', r('rcpt', 554, '5.7.1', '554 5.7.1 <news@shop.example>: Sender address rejected: listed on local blocklist'), 'policy'],
  ['wording:relay-denied', r('rcpt', 550, null, '550 I cannot deliver mail for <ann@dest.example>'), 'relay-denied'],
  [
    'wording:user-unknown+verification',
    r(
      'dsn',
      450,
      '4.1.1',
      '450 4.1.1 <ann@dest.example>: Recipient address rejected: unverified address: host mx.dest.example[192.0.2.1] said: 550 Unrouteable address',
    ),
    'mailbox-unknown',
  ],
  // The probe's answer decides, not the relay's X.1.1: a mailbox that refuses posting (Cyrus over LMTP), one over quota.
  [
    'wording:no-permission-to-post+verification',
    r(
      'rcpt',
      550,
      '5.1.1',
      '550 5.1.1 <bb@dest.example>: Recipient address rejected: undeliverable address: host mx.dest.example[192.0.2.1] said: 550-You do not have permission to post a message to this mailbox. 550 5.7.1 Permission denied (in reply to RCPT TO command)',
    ),
    'policy',
  ],
  // (Postfix cuts the probe's reply at about 250 characters: its last line, with the 5.7.1, can be lost; the words still say it.)
  [
    'wording:no-permission-to-post+verification',
    r(
      'rcpt',
      450,
      '4.1.1',
      '450 4.1.1 <bb@dest.example>: Recipient address rejected: unverified address: host mx.dest.example[192.0.2.1] said: 550-You do not have permission to post a message to this mailbox. 550-Please contact the owner of this mailbox in order to submit 550-your message, or postmaster if you believe you',
    ),
    'policy',
  ],
  [
    'enhanced:X.2.2+verification',
    r(
      'rcpt',
      450,
      '4.1.1',
      '450 4.1.1 <full@dest.example>: Recipient address rejected: unverified address: host mx.dest.example[192.0.2.1] said: 452 4.2.2 Over quota (in reply to RCPT TO command)',
    ),
    'mailbox-full',
  ],
  // Session 49's probes (published texts and real software writing notices on loopback).
  // Mimecast's greylisting reply as its servers write it, with "is" (its documentation drops the word).
  [
    'provider:mimecast-greylist',
    r('rcpt', 451, null, 'Internal resource is temporarily unavailable - https://community.mimecast.com/docs/DOC-1369#451'),
    'greylisted',
  ],
  // A domain that does not exist, in Italian (Libero's table), French, Spanish and Portuguese.
  ['wording:nxdomain', r('dsn', null, null, 'ROUTING SERVER FAILURE Il dominio non esiste o è stato digitato in maniera non corretta.'), 'domain-unknown'],
  ['wording:nxdomain', r('rcpt', 550, null, "Le domaine n'existe pas"), 'domain-unknown'],
  ['wording:nxdomain', r('rcpt', 550, null, 'El dominio no existe'), 'domain-unknown'],
  ['wording:nxdomain', r('rcpt', 550, null, 'O domínio não existe'), 'domain-unknown'],
  ['wording:banned-attachment', r('dsn', null, null, 'Disallowed Attach Type'), 'virus'],
  // "The recipient's inbox is full" (收件箱: inbox), as Chinese providers write it.
  ['wording:mailbox-full', r('dsn', 552, null, '收信人收件箱已满，无法收信。'), 'mailbox-full'],
  // clamav-milter's reject text ("Rejecting harmful e-mail: <signature> found."), and a body_checks refusal's own text.
  ['wording:virus', r('data', 550, '5.7.1', 'Rejecting harmful e-mail: Local.Test.Signature.UNOFFICIAL found.'), 'virus'],
  ['wording:spam', r('data', 550, '5.7.1', 'Message body contains forbidden text'), 'content-or-spam'],
  // Postfix refusing an address without a full domain, Exim's temporary callout failure about our sender, and its
  // header_syntax refusal as its reply's first line gives it.
  [
    'provider:postfix-non-fqdn-recipient',
    r('rcpt', 504, '5.5.2', '<user@mailhost>: Recipient address rejected: need fully-qualified address'),
    'domain-unknown',
  ],
  ['enhanced:X.5.2', r('rcpt', 504, '5.5.2', '<frank@localhost>: Sender address rejected: need fully-qualified address'), 'protocol-error'],
  ['provider:exim-sender-verify', r('rcpt', 451, null, 'Could not complete sender verify callout'), 'policy'],
  ['wording:not-rfc-compliant', r('data', 550, null, 'Header syntax check failed:'), 'protocol-error'],
  // Sendmail's virtusertable "error:nouser User gone": the user is no longer there (its 5.3.0 says nothing about the mailbox).
  ['wording:mailbox-moved', r('rcpt', 553, '5.3.0', '<gone@dest.example>... User gone'), 'mailbox-moved'],
  // qpsmtpd's plugins: dkim's refusal, headers' checks (a 552 that says nothing of size), greylisting's stock text.
  ['wording:dkim-spf-dmarc', r('data', 552, null, 'signature invalid: fail (body has been altered)'), 'authentication-policy'],
  ['wording:not-rfc-compliant', r('data', 552, null, 'The Date header is too far in the future'), 'protocol-error'],
  ['wording:not-rfc-compliant', r('data', 552, null, 'We require a valid From header\r\n552 901'), 'protocol-error'],
  ['wording:not-rfc-compliant', r('data', 552, null, 'Only one From header allowed. See RFC 5322, Section 3.6'), 'protocol-error'],
  ['wording:greylisted', r('rcpt', 450, null, 'This mail is temporarily denied'), 'greylisted'],
  // A busy or locked mailbox file: there and in use, not disabled (Postfix's access text, a local delivery's lock).
  ['provider:mailbox-busy', r('rcpt', 450, '4.2.1', '<busy@dest.example>: Recipient address rejected: Mailbox busy, try again later'), 'server-busy'],
  ['provider:mailbox-busy', r('dsn', null, '4.3.0', 'temporary failure. Command output: mailbox is locked by another process'), 'server-busy'],
  // Courier-MTA as a receiver: its unknown user ("User <name> unknown"), its size limit (a 523), its local filters.
  ['wording:user-unknown', r('rcpt', 550, null, 'User <nosuch> unknown'), 'mailbox-unknown'],
  ['wording:message-too-large', r('data', 523, null, 'Message length (20061 bytes) exceeds administrative limit(20000).'), 'message-too-large'],
  ['wording:sieve-rejected', r('dsn', null, '5.0.0', "Your message was refused by the recipient's mail filter rules"), 'policy'],
  ['wording:system-error', r('dsn', null, '5.0.0', 'internal filter error: /usr/local/bin/sortmail crashed'), 'system-error'],
  // A recipient refusing forwarded mail is its policy, not a domain without mail service (null MX).
  [
    'enhanced:X.7.*',
    r('rcpt', 550, '5.7.1', 'Forwarded mail refused by local policy\r\n550-5.7.1 This recipient does not accept mail relayed through forwarders'),
    'policy',
  ],
  // Session 50's probes: Dovecot's LMTP size limit and a translated quota text, mlmmj's size refusal (it words every
  // refusal "unable to be delivered to the list"), a pipe command's shell error (no SMTP syntax error), a procmail filter.
  [
    'wording:message-too-large',
    r('data', 451, '4.2.0', '<big@dest.example> Mail size is larger than the maximum size allowed by server configuration'),
    'message-too-large',
  ],
  [
    'wording:over-maximum-message-size',
    r(
      'dsn',
      null,
      null,
      'The message from <ann@example.com> was unable to be delivered to the list because it exceeded the maximum allowed message size of 3000 bytes.',
    ),
    'message-too-large',
  ],
  [
    'wording:over-maximum-message-size',
    r('dsn', null, null, 'konnte nicht über die Liste verteilt werden, weil sie die maximal erlaubte Größe von 2500 Bytes überschritten hat'),
    'message-too-large',
  ],
  ['wording:list-post-refused', r('dsn', null, null, 'konnte nicht über die Liste verteilt werden, weil Sie die Liste nicht abonniert haben.'), 'policy'],
  ['wording:mailbox-over-size', r('dsn', null, '5.7.0', 'Das Postfach von jan@dest.example ist voll (Speicherkontingent erschöpft).'), 'mailbox-full'],
  ['provider:local-delivery-agent', r('dsn', null, '5.3.0', 'sh: 1: Syntax error: Unterminated quoted string'), 'system-error'],
  ['provider:local-delivery-agent', r('dsn', null, '4.0.0', '/bin/sh: 1: Syntax error: "(" unexpected'), 'system-error'],
  [
    'wording:sieve-rejected',
    r('dsn', null, null, "Your message to dave@dest.example was refused by the recipient's mail filter because its subject matched a blocked word."),
    'policy',
  ],
  // Postfix's local/virtual delivery into a maildir it may not write: their system, whatever X.2.0 says of the mailbox.
  [
    'wording:system-error',
    r('dsn', null, '4.2.0', 'maildir delivery failed: create maildir file /var/mail/zoe/tmp/1796617438.P14821.mx: Permission denied'),
    'system-error',
  ],
  // Chinese providers' notice texts (NetEase, Tencent Exmail, Aliyun, as their help pages word them) and Zoho CRM's
  // bounce category: the recipient's own filter rules and block list (policy), receiving-rate limits, a domain that
  // does not exist, a temporary domain lookup failure.
  ['wording:sieve-rejected', r('dsn', null, null, '收件人拒收了您的邮件：收件人创建的邮件过滤规则导致您的邮件被拒绝。'), 'policy'],
  ['provider:sender-blacklisted', r('dsn', 553, null, '邮箱名不可用，要求的操作未执行（发件帐号被收件人加黑名单）。'), 'policy'],
  ['provider:sender-blacklisted', r('dsn', null, null, 'User in blacklist 您在收件人的黑名单中'), 'policy'],
  ['wording:rate-limited', r('dsn', null, null, '收件人的邮件服务商有收信频率限制：您过于频繁地向该邮件服务商的用户发送邮件，请稍后再试。'), 'rate-limited'],
  ['wording:rate-limited', r('dsn', 554, null, '邮件发送失败：发信量超过一段时间内向对方服务器发送的最大邮件量限制，被对方服务拒绝。'), 'rate-limited'],
  ['wording:nxdomain', r('dsn', null, null, 'DNS query error 域名不存在'), 'domain-unknown'],
  ['wording:dns-server-failure', r('dsn', null, null, 'Temporary Domain Failure Unable to find the domain connected to this email address.'), 'dns-failure'],
  // Session 51: replies quoted in public issue threads and documented by providers and filter vendors.
  ['wording:smtp-auth-required', r('rcpt', 550, null, 'smtp auth required'), 'policy'],
  ['wording:sender-checks', r('mail', 451, '4.0.0', 'backend: invalid return path: not owned by user'), 'policy'],
  ['provider:sender-blacklisted', r('mail', 551, null, "Sender is on domain's blacklist"), 'policy'],
  ['wording:dkim-spf-dmarc', r('data', 550, '5.7.1', 'This sender is not authorized to send from example.org'), 'authentication-policy'],
  [
    'wording:rate-limited',
    r(null, 554, '5.7.0', 'Your message could not be sent. The limit on the number of allowed outgoing messages was exceeded. Try again later.'),
    'rate-limited',
  ],
  ['wording:rate-limited', r('rcpt', 450, null, 'Too many recipient attempts'), 'rate-limited'],
  ['wording:spam', r('data', 552, null, 'Message rejected for spam or virus content'), 'content-or-spam'],
  ['wording:spam', r('data', 554, '5.7.1', 'rejected by rspamd filter'), 'content-or-spam'],
  ['wording:system-error', r('dsn', 451, null, 'qq trouble in home directory'), 'system-error'],
  ['wording:policyd-quota', r('rcpt', 450, '4.7.1', '<ann@example.org>: Recipient address rejected: Policy Rejection- Quota Exceeded'), 'rate-limited'],
  [
    'wording:spam-from-us',
    r('rcpt', 451, '4.3.0', '<mx.sender.example[192.0.2.80]>: Client host rejected: Throttled - Too much spam from your mail server. Try again later.'),
    'reputation-or-blocklist',
  ],
  [
    'wording:spam-from-us',
    r('data', 550, '5.7.1', '[CSR] Our system has detected an unusual amount of unsolicited email originating from your address'),
    'reputation-or-blocklist',
  ],
  ['wording:reputation', r('mail', 553, null, 'Mail from 192.0.2.130 not allowed'), 'reputation-or-blocklist'],
  ['wording:sender-checks', r('mail', null, null, 'You are not allowed to use the domain example.org as a sender domain.'), 'policy'],
  // Non-English and regional providers' replies, and commercial servers' texts (session 51).
  ['wording:user-unknown', r('dsn', null, null, 'Usuario inexistente'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', null, null, 'ann@example.org no se encuentra en el Directorio de Domino'), 'mailbox-unknown'],
  ['wording:user-unknown', r('rcpt', 550, null, 'recipient e-mail adress unknown'), 'mailbox-unknown'],
  ['wording:user-unknown', r('dsn', 554, null, "delivery error: dd This user doesn't have a account"), 'mailbox-unknown'],
  ['wording:mailbox-disabled', r('dsn', null, null, 'Esta casilla ha expirado por falta de uso'), 'mailbox-disabled'],
  ['wording:mailbox-disabled', r('dsn', null, null, 'Das Postfach ist deaktiviert'), 'mailbox-disabled'],
  ['wording:expired', r('dsn', null, null, 'tiempo de entrega vencido'), 'expired'],
  ['wording:expired', r('dsn', null, null, 'Reason: multiple delivery attempts failed'), 'expired'],
  ['wording:relay-denied', r('rcpt', 550, null, '550 relay through this server without authentication.'), 'relay-denied'],
  ['wording:relay-denied', r('rcpt', 550, '5.7.1', 'Relaying is denied'), 'relay-denied'],
  ['wording:relay-denied', r('rcpt', 550, null, 'Delivery is not allowed to this address.'), 'relay-denied'],
  ['wording:rate-limited', r('rcpt', null, null, 'MAX RCPT TO DAILY LIMIT'), 'rate-limited'],
  ['wording:rate-limited', r('mail', 462, null, 'Daily send limit reached. Please try again tomorrow'), 'rate-limited'],
  [
    'wording:rate-limited',
    r('mail', null, '4.2.1', 'Sender ip address rejected: You sent to many mails from different domains in the last 10 minutes'),
    'rate-limited',
  ],
  [
    'wording:sender-rate-limit',
    r('rcpt', 450, '4.7.1', '<app@sender.example>: Sender address rejected: Deferring: Too many messages from sender in last 60'),
    'rate-limited',
  ],
  ['wording:sender-checks', r('mail', 501, null, 'mail from address must be same as authorization user'), 'policy'],
  ['wording:sender-checks', r('rcpt', null, null, 'Legitimate bounces are never sent to more than one recipient.'), 'policy'],
  ['wording:helo-rejected', r('ehlo', 553, null, 'sorry, your HELO host name has been denied'), 'protocol-error'],
  ['provider:sender-blacklisted', r('dsn', null, null, '받는 사람이 회원님의 메일을 수신차단 하였습니다.'), 'policy'],
  ['provider:sender-blacklisted', r('mail', 550, '5.1.1', '<app@sender.example> sender is blocklisted'), 'policy'],
  ['wording:reputation', r('connect', null, null, 'Indirizzo IP bloccato temporaneamente per sospetto abuso'), 'reputation-or-blocklist'],
  ['wording:system-error', r(null, 450, null, 'database temporary error.'), 'system-error'],
  ['wording:connection-lost', r('data', 420, null, 'TCP Read Error'), 'connection-failure'],
  ['wording:too-many-invalid-recipients', r('rcpt', 556, null, 'Too many invalid recipient requests. Closing connection.'), 'reputation-or-blocklist'],
  ['wording:message-too-large', r('data', 501, '5.7.1', 'Message is too long'), 'message-too-large'],
  ['wording:tls-required', r(null, null, null, 'The remote SMTP service does not support TLS.'), 'tls-required'],
  ['wording:spam', r('data', 553, null, '192.0.2.97 Your message was rejected for possible spam/virus content.'), 'content-or-spam'],
  ['provider:auth-dns-lookup-failure', r('data', 450, '4.4.0', '<ann@example.org> Temporary DMARC DNS lookup failure (G1E)'), 'dns-failure'],
  ['provider:hornetsecurity-spam', r('data', 554, '5.5.5', 'e-mail Rejected Spam'), 'content-or-spam'],
  ['provider:hornetsecurity-size', r('data', 554, '5.5.3', 'e-mail Rejected Content Filter Size'), 'message-too-large'],
  [
    'provider:mailchannels-content',
    r('data', 550, '5.7.1', '[CS] Message blocked. If this is a false positive, please report this to your hosting service provider.'),
    'content-or-spam',
  ],
  ['provider:mailchannels-feedback', r('data', 550, '5.7.1', '[FBL] Blocked. See https://console.mailchannels.net/insights/bounce'), 'reputation-or-blocklist'],
  ['provider:microsoft-single-label-domain', r('rcpt', 550, '5.1.6', 'Recipient addresses in single label domains not accepted'), 'domain-unknown'],
  // Mail servers' own texts, read in their source code (session 51).
  ['wording:dns-try-again', r('dsn', null, null, 'all host address lookups failed temporarily'), 'dns-failure'],
  ['wording:system-error', r('dsn', null, null, 'Unable to run qmail-local.'), 'system-error'],
  ['wording:virus-scanner-failure', r('data', 452, null, 'Unable to scan for viruses'), 'system-error'],
  ['wording:tls-broken-there', r('ehlo', 454, '4.7.0', 'TLS not available due to local problem'), 'system-error'],
  ['wording:relay-denied', r('rcpt', 550, '5.7.1', 'Relaying denied. IP name lookup failed mail.example.net'), 'relay-denied'],
  ['wording:helo-rejected', r('ehlo', 550, null, 'That HELO hostname fails FCrDNS'), 'protocol-error'],
  ['wording:protocol', r('data', 421, null, 'See http://smtpd.develooper.com/barelf.html'), 'protocol-error'],
  ['wording:protocol', r(null, 554, null, 'Too many nonmail commands'), 'protocol-error'],
  ['wording:protocol', r('connect', 550, null, 'Connecting host started transmitting before SMTP greeting'), 'protocol-error'],
  ['wording:reputation', r('connect', 550, null, 'You were naughty. You cannot connect for 0.85 more days.'), 'reputation-or-blocklist'],
  ['wording:reputation', r('rcpt', 550, null, 'Mail from example.org rejected because it does not support abuse@example.org'), 'reputation-or-blocklist'],
  ['wording:sender-checks', r('rcpt', 550, null, 'Your envelope sender is in my badmailfrom list'), 'policy'],
  ['wording:rate-limited', r('rcpt', 451, '4.3.0', '<ann@example.org> Too many concurrent deliveries for user'), 'rate-limited'],
  ['provider:auth-dns-lookup-failure', r('data', 451, '4.7.23', 'SPF authentication failed with a temporary error'), 'dns-failure'],
  ['provider:auth-dns-lookup-failure', r('connect', 421, null, 'client [192.0.2.10] rDNS lookup timeout'), 'dns-failure'],
  ['wording:virus-scanner-failure', r('data', 452, null, 'Rspamd scan timeout'), 'system-error'],
  ['wording:dns-try-again', r('dsn', 450, '4.1.2', 'Temporary MX lookup error for example.org'), 'dns-failure'],
  ['wording:relay-denied', r('rcpt', 550, '5.1.1', 'not accepting email for domain'), 'relay-denied'],
  ['wording:protocol', r('connect', 421, null, 'mx.example.org You talk too soon'), 'protocol-error'],
  [
    'wording:connection-lost',
    r('dsn', null, null, 'No SMTP servers were available for example.org. Tried mx1.example.org and mx2.example.org.'),
    'connection-failure',
  ],
  ['wording:tls-required', r('dsn', null, null, 'No TLS available but required by configuration.'), 'tls-required'],
  ['wording:rate-limited', r('dsn', null, null, 'Message held because send limit (1000) has been reached.'), 'rate-limited'],
  ['wording:banned-attachment', r('data', 552, null, 'Message contains disallowed file extension (exe)'), 'virus'],
  ['enhanced:X.4.5-rate', r('mail', 451, '4.4.5', 'Rate limit exceeded, try again later.'), 'rate-limited'],
  ['enhanced:X.3.4-line', r('data', 554, '5.3.4', 'Line is too long.'), 'protocol-error'],
  ['enhanced:X.1.2-null-mx', r('dsn', 550, '5.1.2', 'Domain example.org sends and receives no email (NULL MX)'), 'no-mail-service'],
  ['wording:server-shutdown', r('mail', 550, null, 'Server shutdown in progress'), 'server-busy'],
  ['wording:suppression-list', r('dsn', null, null, 'Recipient (ann@example.org) is on the suppression list (reason: too many hard fails)'), 'policy'],
  ['wording:nxdomain', r('dsn', 550, null, 'Could not find any MX servers for example.org'), 'domain-unknown'],
  ['wording:nxdomain', r('dsn', null, null, 'Could not find mail server: lookup example.invalid on 127.0.0.53:53: no such host'), 'domain-unknown'],
  ['wording:dns-server-failure', r('dsn', null, null, 'Could not find mail server: lookup example.org on 127.0.0.53:53: server misbehaving'), 'dns-failure'],
  // Java, C++ and Perl servers' and filters' own texts (hMailServer, Apache James, iRedAPD, gromox), read in their source.
  ['wording:user-unknown', r('rcpt', 550, null, 'Recipient not in route list.'), 'mailbox-unknown'],
  ['wording:nxdomain', r('rcpt', 550, null, "Can't find an MX server for <ann@nomx.example>"), 'domain-unknown'],
  [
    'wording:dns-try-again',
    r('dsn', null, null, 'Temporary problem looking up mail server for host: example.org.  I cannot determine where to send this message.'),
    'dns-failure',
  ],
  ['wording:expired', r('dsn', null, null, 'Too many retries failure. Bouncing after 5 retries.'), 'expired'],
  ['wording:connection-lost', r('dsn', null, null, 'Remote server closed connection.'), 'connection-failure'],
  ['wording:mailbox-disabled', r('rcpt', 550, null, 'Distribution list is not active.'), 'mailbox-disabled'],
  [
    'wording:message-too-large',
    r('rcpt', 554, '5.7.1', '<ann@example.org>: Recipient address rejected: Message size exceed (maybe caused by big attachment file)'),
    'message-too-large',
  ],
  ['wording:rate-limited', r('rcpt', 450, '4.7.1', '<ann@example.org>: Recipient address rejected: Daily limit reached, retry later'), 'rate-limited'],
  [
    'wording:greylisted',
    r('rcpt', 451, '4.7.1', '<ann@example.org>: Recipient address rejected: Intentional policy rejection, please try again later'),
    'greylisted',
  ],
  ['wording:smtp-auth-required', r('mail', 550, null, 'You must log in to send mail from example.org'), 'policy'],
  ['wording:helo-rejected', r('rcpt', 550, null, 'The host name specified in HELO does not match IP address.'), 'protocol-error'],
  ['wording:reputation', r('rcpt', 550, null, 'Message rejected due to known spammer source IP address'), 'reputation-or-blocklist'],
  ['wording:tls-required', r('mail', 530, null, 'Must issue STARTTLS first.'), 'tls-required'],
  [
    'wording:loop',
    r('data', 500, null, 'A delivery loop was detected which causes this email which caused the email to be undeliverable (26)'),
    'system-error',
  ],
  ['wording:sender-checks', r('rcpt', 551, null, '<ann@example.org> - you do not have permission to send Internet mail'), 'policy'],
  ['provider:url-blocklist', r('data', 554, '5.7.0', 'Rejected: message contains domain spam.example listed by multi.surbl.org'), 'content-or-spam'],
  // Policy servers' rate limits (postfwd's custom texts, session 51's probe).
  [
    'wording:rate-limited',
    r('data', 554, '5.7.1', '<END-OF-MESSAGE>: End-of-data rejected: limit of 2 recipients per 10 minutes exceeded for sender app@shop.example'),
    'rate-limited',
  ],
  [
    'wording:rate-limited',
    r('rcpt', 450, '4.7.1', '<ann@example.org>: Recipient address rejected: sorry, max 1 requests per 10 minutes for app@shop.example'),
    'rate-limited',
  ],
  ['enhanced:X.3.1-too-many', r('data', 452, '4.3.1', '<END-OF-MESSAGE>: End-of-data rejected: sorry, max 3000 bytes per 10 minutes'), 'rate-limited'],
  ['enhanced:X.5.1-auth', r('mail', 503, '5.5.1', 'You must authenticate first.'), 'policy'],
  ['wording:sender-checks', r('mail', 450, null, 'No MX for your FROM address'), 'policy'],
  ['wording:reverse-dns', r('connect', 554, null, 'Sorry, no FCrDNS match found'), 'authentication-policy'],
  ['wording:helo-rejected', r('ehlo', 550, null, 'HELO host has no forward DNS match'), 'protocol-error'],
  ['wording:helo-rejected', r('mail', 550, '5.7.0', 'IP in EHLO is not the same as the actual client IP'), 'protocol-error'],
  // Session 54: chasquid 1.11 run here (a Go MTA without RFC 7505) and Postfix access-map texts.
  [
    'wording:null-mx-root-lookup',
    r('dsn', null, '4.0.0', 'smtp; all MXs returned transient failures (last: Could not dial: dial tcp: lookup . on 127.0.0.53:53: server misbehaving)'),
    'no-mail-service',
  ],
  ['enhanced:X.7.*', r('rcpt', 554, '5.7.1', '<ann@dest.example>: Recipient address rejected: Recipient blocked by site policy'), 'policy'],
  ['enhanced:X.7.*', r('rcpt', 550, '5.7.1', '<ann@dest.example>... Mail to this address is blocked by local policy'), 'policy'],
];

for (const [rule, input, category] of ROWS) {
  test(`${rule}: ${JSON.stringify(input.text ?? input.error ?? input.enhanced).slice(0, 70)}`, () => {
    const c = classify(input);
    assert.equal(c.rule, rule, `fired ${c.rule} (${c.category})`);
    assert.equal(c.category, category);
    assert.ok(c.explanation.length > 20);
  });
}

test('every rule of the table has at least one sample row', () => {
  const tiers: [string, readonly { id: string }[]][] = [
    ['provider', PROVIDER_RULES],
    ['enhanced', ENHANCED_RULES],
    ['wording', WORDING_RULES],
    ['enhanced', SUBJECT_RULES],
    ['wording', VAGUE_RULES],
    ['code', CODE_RULES],
  ];
  const covered = new Set(ROWS.map(([rule]) => rule));
  const missing = tiers.flatMap(([tier, rules]) => rules.map((x) => `${tier}:${x.id}`)).filter((id) => !covered.has(id));
  assert.deepEqual(missing, []);
});
