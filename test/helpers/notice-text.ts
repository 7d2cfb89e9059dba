/**
 * Fixed texts of MTAs' notices that many written test notices share, so each test writes only what is its own.
 */

/** Exim's opening of a permanent failure notice, up to the list of failed addresses. */
export const EXIM_PERMANENT_OPENING: readonly string[] = [
  'This message was created automatically by mail delivery software.',
  '',
  'A message that you sent could not be delivered to one or more of its',
  'recipients. This is a permanent error. The following address(es) failed:',
  '',
];

/** Postfix's opening of a notice, from its host line (`host`) to "The mail system" and the blank line under it. */
export const postfixOpening = (host: string): string[] => [
  `This is the mail system at host ${host}.`,
  '',
  "I'm sorry to have to inform you that your message could not",
  "be delivered to one or more recipients. It's attached below.",
  '',
  '                   The mail system',
  '',
];

/**
 * The lines of an RFC 3464 report: the notice's own headers (`head`: From, To, Subject…), then a text part with the
 * notice's words and a delivery-status part with the report's fields (per-message, a blank line, per-recipient).
 */
export function deliveryReport(head: readonly string[], notice: readonly string[], fields: readonly string[]): string[] {
  return [
    ...head,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain',
    '',
    ...notice,
    '--b',
    'Content-Type: message/delivery-status',
    '',
    ...fields,
    '',
    '--b--',
    '',
  ];
}

/** Courier's heading of a failure notice, from the rule above "UNDELIVERABLE MAIL" to its list of recipients. */
export const COURIER_UNDELIVERABLE: readonly string[] = [
  '---------------------------------------------------------------------------',
  '',
  '                           UNDELIVERABLE MAIL',
  '',
  'Your message to the following recipients cannot be delivered:',
  '',
];

/** OpenSMTPD's greeting, above each of its templates. */
export const OPENSMTPD_HELLO: readonly string[] = ['    Hi!', '', '    This is the MAILER-DAEMON, please DO NOT REPLY to this email.', ''];

/** OpenSMTPD's delay template over one recipient whose envelope expired (its greeting included). */
export const OPENSMTPD_DELAY_EXPIRED: readonly string[] = [
  ...OPENSMTPD_HELLO,
  '    A message is delayed for more than 0 seconds for the following',
  '    list of recipients:',
  '',
  'ann@dest.example: Envelope expired',
  '',
  '    Please note that this is only a temporary failure report.',
  '    The message is kept in the queue for up to 7 days.',
  '    You DO NOT NEED to re-send the message to these recipients.',
  '',
];

/** Exim's closing paragraph of a delay warning. */
export const EXIM_DELAY_CLOSING: readonly string[] = [
  'No action is required on your part. Delivery attempts will continue for',
  'some time, and this warning may be repeated at intervals if the message',
  'remains undelivered. Eventually the mail delivery software will give up,',
  'and when that happens, the message will be returned to you.',
];
