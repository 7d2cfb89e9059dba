/**
 * What the API accepts, as zod schemas: query strings, path parameters and bodies. The OpenAPI document
 * derives its parameter lists from these, so the two cannot drift apart.
 */
import { z } from 'zod';
import { RECIPIENT_STATES } from '../types.js';
import { TIMELINE_LIMIT, TIMELINE_MAX } from '../query/fate.js';
import { MAX_LIMIT } from '../query/search.js';

const ADDRESS = /^[^@\s<>]+@[^@\s<>]+$/;

/**
 * Milliseconds of an ISO 8601 time (`2024-05-01`, `2024-05-01T10:00:00Z`), or NaN. A day that is not in the
 * calendar (2024-02-31, 2024-13-45) is NaN too: Date.parse would move it into the next month.
 */
export function isoTime(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.exec(s);
  if (!m) return Number.NaN;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (mo < 1 || mo > 12 || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return Number.NaN;
  return Date.parse(s);
}

/** An instant as ISO 8601 (`2024-05-01`, `2024-05-01T10:00:00Z`) or milliseconds since the epoch. */
const instant = z
  .string()
  .max(40)
  .transform((s, ctx) => {
    const ms = /^\d{1,15}$/.test(s) ? Number(s) : isoTime(s);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 time such as 2024-05-01T10:00:00Z, or milliseconds since the epoch' });
      return z.NEVER;
    }
    return ms;
  });

/** What `state` may be in a search: a recipient state, or `complained` (a recipient reported it as spam). */
export const SEARCH_STATES = [...RECIPIENT_STATES, 'complained'] as const;

export const searchQuery = z.strictObject({
  message: z.string().min(1).max(998).optional().describe('Header Message-ID (with or without <>) or queue id, exact.'),
  subject: z
    .string()
    .max(200)
    .regex(/[\p{L}\p{N}]/u, 'expected at least one word')
    .optional()
    .describe('Words of the Subject; every word must appear (whole words, any case).'),
  recipient: z
    .string()
    .max(320)
    .regex(ADDRESS, 'expected an email address such as user@example.com')
    .optional()
    .describe('Envelope recipient: the whole address, compared case-insensitively.'),
  sender: z.string().max(320).optional().describe('Envelope sender (MAIL FROM), exact address; empty for the null sender.'),
  domain: z.string().min(1).max(253).optional().describe('Recipient domain.'),
  state: z.enum(SEARCH_STATES).optional().describe('Messages with at least one recipient in this state; `complained`: one that reported it as spam.'),
  tag: z.string().min(1).max(128).optional().describe('X-Mailtrail-Tag given at submission (stream).'),
  since: instant.optional().describe('Submitted at or after (ISO 8601 or epoch ms).'),
  until: instant.optional().describe('Submitted before (ISO 8601 or epoch ms).'),
  cursor: z.string().max(200).optional().describe('next_cursor of the previous page.'),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).optional().describe(`Page size, 1 to ${MAX_LIMIT} (default 50).`),
});

export const messageParams = z.strictObject({
  messageId: z.string().min(1).max(998).describe('Header Message-ID (URL-encoded, with or without <>) or queue id.'),
});

export const queueIdParams = z.strictObject({
  queueId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, 'expected a queue id as printed in "queued as …"')
    .describe('Queue id.'),
});

export const suppressionsQuery = z.strictObject({
  address: z.string().max(320).regex(ADDRESS, 'expected an email address such as user@example.com').optional().describe('Only this address.'),
  cursor: z.string().max(200).optional().describe('next_cursor of the previous page.'),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).optional().describe(`Page size, 1 to ${MAX_LIMIT} (default 50).`),
});

export const suppressionParams = z.strictObject({
  address: z.string().max(320).regex(ADDRESS, 'expected an email address such as user@example.com').describe('The suppressed address (URL-encoded).'),
});

export const suppressionBody = z.strictObject({
  address: z.string().max(320).regex(ADDRESS, 'expected an email address such as user@example.com'),
  reason: z.string().min(1).max(500).default('added by an operator'),
});

export const webhookParams = z.strictObject({
  id: z.coerce.number().int().min(1).describe('Webhook delivery id, as `mailtrail webhooks` lists it.'),
});

export const emptyQuery = z.strictObject({});

export const messageQuery = z.strictObject({
  timeline_limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(TIMELINE_MAX)
    .optional()
    .describe(`Timeline entries at most, the most recent (default ${TIMELINE_LIMIT}, at most ${TIMELINE_MAX}); \`timeline_more\` says what was left out.`),
  timeline_before: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .describe('Only timeline entries that began before this event id: the `timeline_more.before` of the page after, to page back.'),
});

const DOMAIN_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+\.?$/i;

export const doctorQuery = z.strictObject({
  domain: z
    .union([z.string(), z.array(z.string()).max(100)])
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((d) => d.trim()).filter(Boolean))
    .pipe(z.array(z.string().max(253).regex(DOMAIN_NAME, 'expected a domain name such as example.com')))
    .optional()
    .describe(
      'Sending domains to check (repeat the parameter, or separate with commas). Default: every sender domain of every user and every domain with a DKIM key.',
    ),
});
