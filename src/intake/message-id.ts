/**
 * One reading of a Message-ID, wherever one comes from: a header at intake, a bounce's reference to
 * the original, a support person's paste into `trace` or the page. Stored and compared without angle
 * brackets (`abc@host`), as the log's `message_id` field shows it.
 */

/** The msg-id inside a Message-ID value, without angle brackets; null when there is none. */
export function bareMessageId(value: string | null | undefined): string | null {
  if (!value) return null;
  const m = /<([^<>\s]+)>/.exec(value);
  if (m) return m[1];
  // Some senders omit the brackets; keep a single bare token rather than losing the id.
  const bare = value.trim();
  return bare && !/\s/.test(bare) ? bare : null;
}
