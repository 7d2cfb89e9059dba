/**
 * The OpenAPI 3.1 description of the HTTP API, served at /v1/openapi.json. Parameters and request
 * bodies come from the zod schemas the handlers validate with; test/api/openapi.test.ts checks that
 * every registered route is described here and every path here is a registered route.
 */
import { z } from 'zod';
import { CHECKS } from '../doctor/types.js';
import { EVENT_KINDS, PHASES, RECIPIENT_STATES } from '../types.js';
import {
  doctorQuery,
  messageParams,
  messageQuery,
  queueIdParams,
  searchQuery,
  suppressionBody,
  suppressionParams,
  suppressionsQuery,
  webhookParams,
} from './schemas.js';

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
}

function parameters(schema: z.ZodObject, where: 'query' | 'path'): Json[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const s = jsonSchema(field as z.ZodType);
    const { description, ...rest } = s;
    return { name, in: where, required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success, description, schema: rest };
  });
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ref('Error'), description);
const auth = {
  401: error('Missing or invalid bearer token.'),
  403: error('The token lacks the scope this endpoint needs.'),
  429: json(ref('TooManyFailures'), 'Too many invalid tokens from this address (api.limits.max_auth_failures); `Retry-After` says when to try again.'),
};
const invalid = {
  400: json(ref('InvalidRequest'), 'A parameter or the body is invalid, or the URL does not decode; `field` names it (`url` for the URL).'),
  414: json(ref('InvalidRequest'), 'A part of the URL is longer than 1,000 characters (`field`: `url`).'),
};
/** What the HTTP layer answers before a handler runs, for an endpoint that takes a JSON body. */
const body = {
  413: error('The body is over 64 KiB.'),
  415: error('The body has a content type the API does not read (send `application/json`); the error names the type sent.'),
};
const read = [{ bearer: [] }];

const nullable = (type: string, extra: Json = {}) => ({ type: [type, 'null'], ...extra });

const components = {
  securitySchemes: {
    bearer: {
      type: 'http',
      scheme: 'bearer',
      description: 'A token from config api.tokens or `mailtrail tokens add NAME --scope read|admin`. GET endpoints need read; changes need admin.',
    },
  },
  schemas: {
    Error: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
    TooManyFailures: {
      type: 'object',
      required: ['error', 'retry_after_s', 'retry_at'],
      properties: {
        error: { type: 'string' },
        retry_after_s: { type: 'integer', description: 'Seconds until the address may try again (as Retry-After).' },
        retry_at: { type: 'string', format: 'date-time' },
      },
    },
    InvalidRequest: {
      type: 'object',
      required: ['error', 'field', 'message'],
      properties: {
        error: { const: 'invalid request' },
        field: { type: 'string', description: 'The parameter or body field at fault.' },
        message: { type: 'string' },
      },
    },
    Event: {
      type: 'object',
      description: 'One record of the timeline. Kinds are described in docs/events.md.',
      properties: {
        id: { type: 'integer' },
        at: { type: 'string', format: 'date-time' },
        kind: { enum: [...EVENT_KINDS] },
        recipient: nullable('string'),
        attempt: nullable('integer'),
        phase: { enum: [...PHASES, null] },
        code: nullable('integer'),
        enhanced: nullable('string'),
        text: nullable('string'),
        remote_host: nullable('string'),
        remote_ip: nullable('string'),
        duration_ms: nullable('integer'),
        detail: nullable('object'),
        explanation: { ...nullable('string'), description: 'Plain English for the reply (every phase included); null for events with their own wording.' },
      },
    },
    Attempt: {
      type: 'object',
      description: 'One delivery attempt: its phases and the outcome per recipient.',
      properties: {
        type: { const: 'attempt' },
        attempt: nullable('integer'),
        domain: nullable('string'),
        mx: nullable('string'),
        ip: nullable('string'),
        started_at: { type: 'string', format: 'date-time' },
        finished_at: { type: 'string', format: 'date-time' },
        recipients: { type: 'array', items: { type: 'string' } },
        phases: { type: 'array', items: ref('Event') },
        outcomes: { type: 'array', items: ref('Event') },
      },
    },
    RecipientFate: {
      type: 'object',
      properties: {
        address: { type: 'string' },
        domain: { type: 'string' },
        state: { enum: [...RECIPIENT_STATES] },
        verdict: { type: 'string', description: 'One line: what happened, where, when and why.' },
        explanation: { ...nullable('string'), description: 'Plain English for someone who is not an SMTP expert.' },
        attempts: { type: 'integer' },
        next_attempt_at: nullable('string', { format: 'date-time' }),
        last_code: nullable('integer'),
        last_enhanced: nullable('string'),
        last_text: nullable('string'),
        category: nullable('string'),
        hard: nullable('boolean'),
        updated_at: { type: 'string', format: 'date-time' },
      },
    },
    MessageFate: {
      type: 'object',
      properties: {
        queue_id: { type: 'string' },
        message_id: nullable('string'),
        message_id_added: { type: 'boolean' },
        created_at: { type: 'string', format: 'date-time' },
        mail_from: { type: 'string' },
        tag: nullable('string'),
        origin: { enum: ['submission', 'dsn'] },
        submission: {
          type: 'object',
          properties: {
            user: nullable('string'),
            client_ip: nullable('string'),
            client_hostname: nullable('string'),
            tls: { type: ['object', 'null'], properties: { protocol: nullable('string'), cipher: nullable('string') } },
            size: { type: 'integer' },
            env_id: nullable('string'),
            ret: { enum: ['FULL', 'HDRS', null] },
            subject: { ...nullable('string'), description: 'The Subject as recorded at intake (decoded).' },
            dkim: {
              type: ['array', 'null'],
              description: 'DKIM signatures added at intake; empty when the message went unsigned.',
              items: { type: 'object', properties: { d: { type: 'string' }, s: { type: 'string' }, a: { enum: ['rsa-sha256', 'ed25519-sha256'] } } },
            },
            dkim_note: nullable('string', { description: 'Why the message is unsigned, or not signed by its From domain.' }),
          },
        },
        recipients: { type: 'array', items: ref('RecipientFate') },
        timeline: {
          type: 'array',
          description: 'The most recent entries (timeline_limit), oldest first.',
          items: { oneOf: [{ allOf: [ref('Event'), { type: 'object', properties: { type: { const: 'event' } } }] }, ref('Attempt')] },
        },
        reports_sent: {
          type: 'array',
          description: 'The reports (DSNs) sent to the sender about this message, from its whole history.',
          items: {
            type: 'object',
            properties: {
              at: { type: 'string', format: 'date-time' },
              recipient: nullable('string'),
              type: nullable('string'),
              dsn_queue_id: nullable('string'),
            },
          },
        },
        timeline_more: {
          type: ['object', 'null'],
          description: 'Earlier entries left out: how many, and the timeline_before that asks for the page before them. Null: the timeline is whole.',
          properties: { omitted: { type: 'integer' }, before: { type: 'integer' } },
        },
      },
    },
    MessageSummary: {
      type: 'object',
      properties: {
        queue_id: { type: 'string' },
        message_id: nullable('string'),
        created_at: { type: 'string', format: 'date-time' },
        mail_from: { type: 'string' },
        tag: nullable('string'),
        subject: { ...nullable('string'), description: 'The Subject as recorded at intake (decoded).' },
        user: nullable('string'),
        size: { type: 'integer' },
        recipients: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              address: { type: 'string' },
              domain: { type: 'string' },
              state: { enum: [...RECIPIENT_STATES] },
              verdict: { type: 'string', description: 'The same one-line verdict as GET /v1/messages/{messageId}.' },
              attempts: { type: 'integer' },
              last_code: nullable('integer'),
              last_enhanced: nullable('string'),
              category: nullable('string'),
            },
          },
        },
      },
    },
    Suppression: {
      type: 'object',
      properties: {
        address: { type: 'string' },
        reason: { type: 'string' },
        source: { enum: ['hard-bounce', 'complaint', 'manual'] },
        created_at: { type: 'string', format: 'date-time' },
      },
    },
    OperatorAction: {
      type: 'object',
      properties: {
        queue_id: { type: 'string' },
        action: { enum: ['retry', 'cancel'] },
        recipients: { type: 'array', items: { type: 'object', properties: { address: { type: 'string' }, state: { enum: [...RECIPIENT_STATES] } } } },
      },
    },
  },
};

const operatorAction = (action: 'retry' | 'cancel') => ({
  post: {
    summary: action === 'retry' ? 'Retry the waiting recipients of a message now (admin)' : 'Cancel the waiting recipients of a message (admin)',
    security: read,
    parameters: parameters(queueIdParams, 'path'),
    responses: {
      200: json(ref('OperatorAction'), 'The recipients changed.'),
      ...invalid,
      ...auth,
      404: error('No message has this queue id.'),
      409: error(action === 'retry' ? 'No recipient is queued or deferred.' : 'Every recipient is final or being delivered right now.'),
    },
  },
});

export function openApiDocument(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'mailtrail',
      version: '1',
      description: 'The fate of every message: per-recipient verdicts and timelines, search, the queue, suppressions. Times are ISO 8601 UTC.',
    },
    components,
    security: read,
    paths: {
      '/v1/messages/{messageId}': {
        get: {
          summary: 'The fate of a message: every message with this Message-ID (or queue id), newest first',
          parameters: [...parameters(messageParams, 'path'), ...parameters(messageQuery, 'query')],
          responses: {
            200: json({ type: 'object', properties: { messages: { type: 'array', items: ref('MessageFate') } } }, 'The messages, newest first.'),
            ...invalid,
            ...auth,
            404: error('No message has this Message-ID or queue id.'),
          },
        },
      },
      '/v1/messages': {
        get: {
          summary: 'Search messages, newest first, keyset-paginated',
          parameters: parameters(searchQuery, 'query'),
          responses: {
            200: json(
              { type: 'object', properties: { messages: { type: 'array', items: ref('MessageSummary') }, next_cursor: nullable('string') } },
              'One page; pass next_cursor for the next.',
            ),
            ...invalid,
            ...auth,
          },
        },
      },
      '/v1/messages/{queueId}/retry': operatorAction('retry'),
      '/v1/messages/{queueId}/cancel': operatorAction('cancel'),
      '/v1/webhooks/{id}/retry': {
        post: {
          summary: 'Send a failed webhook delivery again (admin)',
          parameters: parameters(webhookParams, 'path'),
          responses: {
            200: json(
              {
                type: 'object',
                properties: {
                  id: { type: 'integer' },
                  endpoint: { type: 'string' },
                  type: { type: 'string' },
                  event_id: { type: 'integer' },
                  state: { const: 'pending' },
                },
              },
              'Pending again: the dispatcher sends it at its next poll.',
            ),
            ...invalid,
            ...auth,
            404: error('No webhook delivery has this id.'),
            409: error('The delivery is not failed: delivered, or still pending.'),
          },
        },
      },
      '/v1/suppressions': {
        get: {
          summary: 'The suppression list, newest first',
          parameters: parameters(suppressionsQuery, 'query'),
          responses: {
            200: json(
              { type: 'object', properties: { suppressions: { type: 'array', items: ref('Suppression') }, next_cursor: nullable('string') } },
              'One page.',
            ),
            ...invalid,
            ...auth,
          },
        },
        post: {
          summary: 'Suppress an address (admin)',
          requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(suppressionBody) } } },
          responses: {
            201: json({ type: 'object', properties: { created: { const: true }, suppression: ref('Suppression') } }, 'Added.'),
            200: json({ type: 'object', properties: { created: { const: false }, suppression: ref('Suppression') } }, 'Already listed; left as it was.'),
            ...invalid,
            ...body,
            ...auth,
          },
        },
      },
      '/v1/suppressions/{address}': {
        delete: {
          summary: 'Remove an address from the suppression list (admin)',
          parameters: parameters(suppressionParams, 'path'),
          responses: { 204: { description: 'Removed.' }, ...invalid, ...auth, 404: error('The address is not listed.') },
        },
      },
      '/v1/queue': {
        get: {
          summary: 'Recipient counts by state, waiting recipients by destination domain, and the mail server addresses this relay skips',
          description:
            '`unresponsive_addresses`: addresses (ip, port) that timed out before any reply, which this relay process skips until `held_until` and then tries with one session before the others (`probe_due`); each relay learns on its own, so another node may list others.',
          responses: {
            200: json(
              {
                type: 'object',
                properties: {
                  by_state: { type: 'object', properties: Object.fromEntries(RECIPIENT_STATES.map((s) => [s, { type: 'integer' }])) },
                  waiting_by_domain: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        domain: { type: 'string' },
                        queued: { type: 'integer' },
                        deferred: { type: 'integer' },
                        oldest_created_at: { type: 'string', format: 'date-time' },
                      },
                    },
                  },
                  unresponsive_addresses: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        ip: { type: 'string' },
                        port: { type: 'integer' },
                        why: { type: 'string', description: 'the last timeout, e.g. "no greeting within 300000 ms"' },
                        strikes: { type: 'integer', description: 'timeouts in a row; each doubles the hold' },
                        first_timeout_at: { type: 'string', format: 'date-time' },
                        last_timeout_at: { type: 'string', format: 'date-time' },
                        held_until: { type: 'string', format: 'date-time' },
                        probe_due: { type: 'boolean', description: 'the hold is over: the next session to it tries it' },
                      },
                    },
                  },
                },
              },
              'Counts.',
            ),
            ...invalid,
            ...auth,
          },
        },
      },
      '/v1/doctor': {
        get: {
          summary: 'Deliverability checks (as `mailtrail doctor --json`): SPF, DKIM, DMARC and alignment, bounce MX, PTR, DNSBLs, the submission certificate',
          description: 'Asks DNS (delivery.dns_servers) on every call: expect seconds, not milliseconds. `ok` is false when any check failed.',
          parameters: parameters(doctorQuery, 'query'),
          responses: {
            200: json(
              {
                type: 'object',
                required: ['ok', 'checked_at', 'domains', 'checks'],
                properties: {
                  ok: { type: 'boolean' },
                  checked_at: { type: 'string', format: 'date-time' },
                  domains: { type: 'array', items: { type: 'string' } },
                  checks: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['check', 'domain', 'status', 'message', 'fix'],
                      properties: {
                        check: { enum: [...CHECKS] },
                        domain: nullable('string', { description: 'The sending domain; null for checks of the relay itself.' }),
                        ip: { type: 'string', description: 'The address checked (ptr, dnsbl).' },
                        status: { enum: ['pass', 'warn', 'fail'] },
                        message: { type: 'string' },
                        fix: nullable('string', { description: 'What to do, exactly.' }),
                      },
                    },
                  },
                },
              },
              'The report.',
            ),
            ...invalid,
            ...auth,
            404: error('The doctor is not available in this process.'),
          },
        },
      },
      '/healthz': { get: { summary: 'Liveness: the process answers', security: [], responses: { 200: json({ type: 'object' }, 'Alive.') } } },
      '/readyz': {
        get: {
          summary: 'Readiness: started and able to serve',
          security: [],
          responses: { 200: json({ type: 'object' }, 'Ready.'), 503: json({ type: 'object' }, 'Still starting.') },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (text exposition format)',
          responses: {
            200: { description: 'Metrics.', content: { 'text/plain': { schema: { type: 'string' } } } },
            ...auth,
            404: error('Metrics are not enabled.'),
            503: error('Metrics could not be rendered.'),
          },
        },
      },
      '/v1/openapi.json': { get: { summary: 'This document', security: [], responses: { 200: json({ type: 'object' }, 'The OpenAPI document.') } } },
    },
  };
}
