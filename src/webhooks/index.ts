/** Webhooks: signed POSTs of delivery events to configured endpoints, through a durable outbox. See dispatcher.ts. */
export { createWebhooks, type Webhooks, type WebhooksOptions, type WebhookRunResult } from './dispatcher.js';
export { buildPayload, type WebhookPayload } from './payload.js';
export { sign, verify, EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './signature.js';
export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../config/webhook-events.js';
