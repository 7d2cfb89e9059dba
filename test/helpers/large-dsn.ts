/**
 * A hostile-sized but well-formed DSN (RFC 3464): a multipart/report whose delivery-status part lists
 * `recipients` failed recipients, padded to about `bytes`. The shape of the 7 MB / 100,000-recipient
 * report of issue 11, for the large-DSN test and `npm run bench`.
 */
export function largeDsn(opts: { rcptTo: string; recipients: number; bytes: number; messageId?: string }): Buffer {
  const boundary = 'large-dsn-boundary';
  const head =
    `From: Mail Delivery System <MAILER-DAEMON@mx.remote.test>\r\n` +
    `To: ${opts.rcptTo}\r\n` +
    `Subject: Undelivered Mail Returned to Sender\r\n` +
    `Message-ID: <large-dsn-${opts.recipients}@mx.remote.test>\r\n` +
    `MIME-Version: 1.0\r\n` +
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"\r\n\r\n` +
    `--${boundary}\r\nContent-Type: text/plain\r\n\r\nI could not deliver your message to ${opts.recipients} recipients.\r\n\r\n` +
    `--${boundary}\r\nContent-Type: message/delivery-status\r\n\r\n` +
    `Reporting-MTA: dns; mx.remote.test\r\nArrival-Date: Mon, 24 Nov 2025 10:00:00 +0000\r\n\r\n`;
  const blocks: string[] = [];
  for (let i = 0; i < opts.recipients; i++) {
    blocks.push(`Final-Recipient: rfc822;u${i}@l.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n`);
  }
  const tail =
    `--${boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n` +
    `From: app@app.test\r\nSubject: newsletter\r\nMessage-ID: <${opts.messageId ?? 'newsletter@app.test'}>\r\n\r\n` +
    `--${boundary}--\r\n`;
  const body = head + blocks.join('') + tail;
  // Padding as a text part before the report, in lines of 76 characters.
  const missing = Math.max(0, opts.bytes - body.length - 200);
  const line = 'x'.repeat(74) + '\r\n';
  const padding = missing > 0 ? `--${boundary}\r\nContent-Type: text/plain\r\n\r\n${line.repeat(Math.ceil(missing / line.length))}\r\n` : '';
  return Buffer.from(
    head.replace(`--${boundary}\r\nContent-Type: message/delivery-status`, `${padding}--${boundary}\r\nContent-Type: message/delivery-status`) +
      blocks.join('') +
      tail,
    'latin1',
  );
}
