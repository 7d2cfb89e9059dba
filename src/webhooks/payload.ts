/**
 * The webhook body: one JSON object per event, the same shape for every type, every field always
 * present (null when it does not apply). It is a public schema: receivers parse it, so fields are only
 * ever added, never renamed or removed.
 */
import type { FeedEvent } from '../store/store.js';
import type { WebhookEventType } from '../config/webhook-events.js';

export interface WebhookPayload {
  /** The event's id: unique, the same on every retry and in X-Mailtrail-Event-Id. Use it to drop duplicates. */
  id: number;
  /** The event kind (src/types.ts, docs/events.md): delivered, deferred, bounced, expired, suppressed, complained, auto-replied, delayed. */
  type: WebhookEventType;
  /** When it happened, ISO 8601 UTC. */
  occurred_at: string;
  /** mailtrail's id for the message (`250 … queued as <queue_id>`). */
  queue_id: string;
  /** The message's Message-ID header, without <>. */
  message_id: string | null;
  /** X-Mailtrail-Tag given at submission (the stream). */
  tag: string | null;
  /** The envelope recipient concerned. */
  recipient: string | null;
  /** Its lower-cased domain. */
  domain: string | null;
  /** The reply's basic SMTP code (250, 451, 550…), when a server replied. */
  code: number | null;
  /** RFC 3463 enhanced status (5.1.1), given or derived. */
  enhanced: string | null;
  /** The server's reply text, or the Diagnostic-Code of a bounce that came back by mail. */
  text: string | null;
  /** Classification (docs/events.md "Bounce categories"). */
  category: string | null;
  /** True when the address itself cannot receive mail (hard bounces suppress it). */
  hard: boolean | null;
  /** One plain-English sentence for a support person. */
  explanation: string | null;
  /** The delivery attempt number for this recipient (1, 2, …) when the event belongs to one. */
  attempt: number | null;
}

export function buildPayload(event: FeedEvent, type: WebhookEventType): WebhookPayload {
  const detail = event.detail ?? {};
  return {
    id: event.id,
    type,
    occurred_at: new Date(event.at).toISOString(),
    queue_id: event.queueId,
    message_id: event.messageId,
    tag: event.tag,
    recipient: event.recipient,
    domain: event.domain,
    code: event.code,
    enhanced: event.enhanced,
    text: event.text,
    category: typeof detail.category === 'string' ? detail.category : null,
    hard: typeof detail.hard === 'boolean' ? detail.hard : null,
    explanation: typeof detail.explanation === 'string' && detail.explanation ? detail.explanation : null,
    attempt: event.attempt,
  };
}
