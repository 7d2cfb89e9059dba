/**
 * Which event kinds a webhook endpoint can subscribe to. They are the glossary's kinds (src/types.ts):
 * a webhook's `type` is always one of EVENT_KINDS, spelled the same as in the timeline and the log.
 * Timeline detail (`received`, `phase`, operator actions, DSNs sent) is not offered: it is for tracing a
 * message, not for an app to act on.
 */
import type { EventKind } from '../types.js';

export const WEBHOOK_EVENT_TYPES = [
  'delivered',
  'deferred',
  'bounced',
  'expired',
  'suppressed',
  'complained',
  'auto-replied',
  'delayed',
] as const satisfies readonly EventKind[];
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Other spellings accepted in the config (the issue and some ESPs say `auto-reply`), mapped to the kind. */
export const WEBHOOK_EVENT_ALIASES: Readonly<Record<string, WebhookEventType>> = { 'auto-reply': 'auto-replied' };

export function canonicalEventType(name: string): string {
  return WEBHOOK_EVENT_ALIASES[name] ?? name;
}

export function isWebhookEventType(kind: string): kind is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(kind);
}
