/**
 * What the message page shows besides the fate: the bounces received for it (as parsed), the webhooks
 * sent for its events, its header fields, and the signature facts in them. Read by queue id.
 */
import type { ParseResult } from '../bounces/types.js';
import { fieldValue, splitMessage } from '../message/headers.js';
import type { Store, WebhookDeliveryRecord } from '../store/store.js';

export interface InboundView {
  id: number;
  received_at: string;
  mail_from: string;
  size: number;
  /** bounce, delay, delivery-report, auto-reply, complaint, not-a-bounce; null until processed. */
  kind: string | null;
  format: string | null;
  match_rule: string | null;
  reporting_mta: string | null;
  feedback_type: string | null;
  recipients: {
    address: string | null;
    action: string | null;
    status: string | null;
    diagnostic: string | null;
    category: string | null;
    hard: boolean | null;
  }[];
  error: string | null;
}

export interface WebhookView {
  id: number;
  endpoint: string;
  type: string;
  event_id: number;
  state: WebhookDeliveryRecord['state'];
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
}

export interface MessageDetails {
  /** Header fields in order, unfolded; null once retention purged the content. */
  headers: { name: string; value: string }[] | null;
  /** DKIM signatures found in the header (domain and selector), and Authentication-Results fields. */
  signatures: { dkim: { domain: string | null; selector: string | null }[]; authentication_results: string[] };
  inbound: InboundView[];
  webhooks: WebhookView[];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const tag = (value: string, name: string) => new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*([^;\\s]+)`, 'i').exec(value)?.[1] ?? null;

function inboundView(r: Awaited<ReturnType<Store['inbound']['forMessage']>>[number]): InboundView {
  const p = (r.parse ?? {}) as Partial<ParseResult>;
  return {
    id: r.id,
    received_at: new Date(r.receivedAt).toISOString(),
    mail_from: r.mailFrom,
    size: r.size,
    kind: r.kind,
    format: p.format ?? null,
    match_rule: r.matchRule,
    reporting_mta: p.reporting_mta ?? null,
    feedback_type: p.feedback_type ?? null,
    recipients: (p.recipients ?? []).map((x) => ({
      address: x.address,
      action: x.action,
      status: x.status,
      diagnostic: x.diagnostic,
      category: x.category,
      hard: x.hard,
    })),
    error: p.error ?? null,
  };
}

export async function messageDetails(store: Pick<Store, 'messages' | 'events' | 'inbound' | 'webhooks'>, queueId: string): Promise<MessageDetails | null> {
  const m = await store.messages.getByQueueId(queueId);
  if (!m) return null;
  const [content, inbound, events] = await Promise.all([store.messages.content(m.id), store.inbound.forMessage(m.id), store.events.forMessage(m.id)]);
  const webhooks = await store.webhooks.forEvents(events.map((e) => e.id));
  const headers = content ? splitMessage(content).fields.map((f) => ({ name: f.name, value: fieldValue(f) })) : null;
  const named = (name: string) => (headers ?? []).filter((h) => h.name.toLowerCase() === name).map((h) => h.value);
  return {
    headers,
    signatures: {
      dkim: named('dkim-signature').map((v) => ({ domain: tag(v, 'd'), selector: tag(v, 's') })),
      authentication_results: named('authentication-results'),
    },
    inbound: inbound.map(inboundView),
    webhooks: webhooks.map((w) => ({
      id: w.id,
      endpoint: w.endpoint,
      type: w.type,
      event_id: w.eventId,
      state: w.state,
      attempts: w.attempts,
      last_status: w.lastStatus,
      last_error: w.lastError,
      next_attempt_at: w.state === 'pending' ? iso(w.nextAttemptAt) : null,
      delivered_at: iso(w.deliveredAt),
    })),
  };
}
