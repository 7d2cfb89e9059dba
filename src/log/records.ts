/**
 * The delivery log's record shapes, checked by the compiler: the closed set of `event` names, each
 * with the fields its lines may carry, every field with one type. README "Log schema" documents the same
 * names (a test checks that every event here has a row there); `mailtrail tail --json` uses them too.
 * A log call with an unknown event, a field that event does not carry, or a field of the wrong type
 * does not compile.
 */

/** Every field a line may carry, with its one meaning and type (README "Log schema", common fields). */
export interface LogFields {
  /** relay.reloaded: log files opened again at their path. */
  reopened_logs: number;
  /** relay.reloaded: the submission certificate file read again, and when it expires. */
  certificate: string | null;
  not_after: string | null;
  queue_id: string | null;
  message_id: string | null;
  message_id_added: boolean;
  recipient: unknown;
  recipients: number | string[];
  recipient_ids: number[];
  domain: string | null;
  tag: string | null;
  phase: string | null;
  code: number | null;
  enhanced: string | null;
  text: string | null;
  mx: string | string[] | null;
  ip: string | null;
  port: number;
  attempt: number | null;
  duration_ms: number | null;
  outcome: string;
  category: string | null;
  hard: boolean | null;
  error: string | null | undefined;
  err: unknown;
  sender: string;
  user: string | null;
  client_ip: string | null | undefined;
  session: string | null;
  component: string;
  next_attempt_at: string | null;
  size: number;
  tls: unknown;
  origin: string;
  dkim: unknown;
  suppressed: boolean | number;
  reason: string;
  command: string | null;
  method: string;
  failures: number;
  listener: string;
  host: string;
  self_signed: boolean;
  inbound_id: number;
  /** The inbound mail this one is a second copy of. */
  duplicate_of: number;
  mail_from: string;
  rcpt: string | string[];
  kind: string | null;
  format: string | null;
  match_rule: string | null;
  event_kind: string;
  state: string | null;
  confidence: string | null;
  evidence: unknown;
  count: number;
  dsn_queue_id: string;
  type: string;
  to: string;
  limit: number;
  paused_until: string;
  /** delivery.host_unresponsive: timeouts in a row, and when the address is tried again. */
  strikes: number;
  held_until: string;
  owner: string;
  max_connections: number;
  max_connections_per_domain: number;
  released: number;
  active: number;
  config_file: string | null;
  database: string;
  submission: unknown;
  bounces: unknown;
  api: unknown;
  delivery: boolean;
  signal: string;
  steps: number;
  messages: number;
  contents: number;
  inbound: number;
  webhooks: number;
  url: string;
  status: number | null;
  token: string | null;
  via: string;
  scope: string;
  created: boolean;
  cursor: number | string | null;
  endpoints: unknown;
  endpoint: string;
  outbox_id: number;
  event_id: number;
  policy_id: string | null;
  mode: string;
  max_age: number;
  cached: boolean;
  storage_full: boolean;
  day: string;
  report_id: string;
  rua: string | string[];
}

/** The closed set of events, each with the fields its lines may carry. */
export const LOG_EVENTS = {
  'api.auth_blocked': ['client_ip', 'failures', 'via'],
  'api.error': ['err', 'url'],
  'api.log': [],
  'api.request': ['method', 'url', 'status', 'token', 'duration_ms'],
  'bounce.failed': ['inbound_id', 'err'],
  'bounce.processed': [
    'inbound_id',
    'kind',
    'format',
    'match_rule',
    'queue_id',
    'message_id',
    'tag',
    'recipient',
    'event_kind',
    'code',
    'enhanced',
    'category',
    'hard',
    'state',
    'suppressed',
    'error',
    'confidence',
    'evidence',
    'duplicate_of',
  ],
  'bounce.recovery': ['count'],
  'delivery.attempt': [
    'queue_id',
    'message_id',
    'recipient',
    'domain',
    'attempt',
    'outcome',
    'phase',
    'code',
    'enhanced',
    'text',
    'mx',
    'ip',
    'duration_ms',
    'next_attempt_at',
    'category',
    'hard',
    'tag',
  ],
  'delivery.interrupted': ['recipient', 'domain', 'attempt', 'owner'],
  'delivery.expired': ['queue_id', 'message_id', 'recipient', 'domain', 'attempt', 'code', 'enhanced', 'text', 'tag'],
  'dkim.sign_failed': ['err', 'sender', 'user', 'domain'],
  'dsn.error': ['queue_id', 'kind', 'recipient_ids', 'err'],
  'dsn.no_content': ['queue_id'],
  'dsn.retry': ['kind', 'recipient_ids'],
  'dsn.settle_failed': ['queue_id', 'kind', 'err'],
  'dsn.sent': ['queue_id', 'message_id', 'dsn_queue_id', 'type', 'to', 'recipients', 'suppressed', 'tag'],
  'dsn.skipped': ['queue_id', 'type', 'reason', 'recipient_ids'],
  'inbound.config': [],
  'inbound.error': ['err', 'error', 'client_ip'],
  'inbound.listening': ['host', 'port'],
  'inbound.received': ['inbound_id', 'mail_from', 'rcpt', 'size', 'client_ip'],
  'inbound.refused': ['rcpt', 'code', 'enhanced', 'text', 'reason', 'command', 'client_ip', 'session', 'mail_from', 'size'],
  'inbound.store_failed': ['err', 'mail_from', 'rcpt', 'size'],
  'message.cancelled': ['queue_id', 'recipients', 'token', 'via'],
  'message.received': [
    'queue_id',
    'message_id',
    'message_id_added',
    'sender',
    'recipients',
    'suppressed',
    'size',
    'user',
    'client_ip',
    'tls',
    'tag',
    'origin',
    'dkim',
  ],
  'message.requeued': ['queue_id', 'recipients', 'token', 'via'],
  'metrics.poll_failed': ['err'],
  'metrics.poll_recovered': [],
  'mta_sts.fetch_failed': ['domain', 'policy_id', 'err', 'cached'],
  'mta_sts.policy': ['domain', 'mode', 'policy_id', 'mx', 'max_age'],
  'mta_sts.testing_failure': ['domain', 'mx', 'policy_id'],
  'queue.claim_lost': ['queue_id', 'recipient_ids'],
  'queue.disabled': [],
  'queue.write_failed': ['queue_id', 'err', 'storage_full'],
  'queue.writes_resumed': [],
  'queue.error': ['err', 'queue_id', 'domain'],
  'queue.log': [],
  'queue.orphan': ['recipient_ids', 'queue_id'],
  'queue.started': ['owner', 'max_connections', 'max_connections_per_domain'],
  'queue.stop_timeout': ['active'],
  'queue.stopped': ['owner', 'released'],
  'queue.thread_crashed': ['err'],
  'queue.throttle_eased': ['domain'],
  'queue.throttled': ['domain', 'limit', 'paused_until', 'mx'],
  'delivery.host_unresponsive': ['ip', 'port', 'text', 'strikes', 'held_until'],
  'delivery.host_answered': ['ip', 'port', 'duration_ms'],
  'queue.verp_disabled': [],
  'queue.wakeups_lost': ['err'],
  'queue.wakeups_resumed': ['duration_ms'],
  'relay.config': [],
  'relay.log': [],
  'relay.no_users': [],
  'relay.started': ['config_file', 'database', 'submission', 'bounces', 'api', 'delivery'],
  'relay.reload_failed': ['err'],
  'relay.reloaded': ['reopened_logs', 'certificate', 'not_after'],
  'relay.stop_failed': ['err'],
  'relay.stopped': [],
  'relay.stopping': ['signal'],
  'retention.failed': ['err'],
  'tlsrpt.failed': ['domain', 'day', 'report_id', 'rua', 'err', 'attempt'],
  'tlsrpt.no_record': ['domain', 'day', 'reason'],
  'tlsrpt.run_failed': ['err'],
  'tlsrpt.sent': ['domain', 'day', 'report_id', 'rua', 'queue_id', 'status', 'count'],
  'retention.purged': ['steps', 'duration_ms', 'messages', 'contents', 'inbound', 'webhooks'],
  'smtp.phase': [
    'queue_id',
    'message_id',
    'recipient',
    'domain',
    'phase',
    'code',
    'enhanced',
    'text',
    'error',
    'mx',
    'ip',
    'port',
    'duration_ms',
    'attempt',
    'tag',
  ],
  'submission.auth': ['user', 'method', 'client_ip', 'session'],
  'submission.auth_error': ['err'],
  'submission.commit_failed': ['err', 'client_ip', 'user', 'sender'],
  'submission.connection_error': ['listener', 'error', 'err', 'client_ip'],
  'submission.listening': ['listener', 'host', 'port', 'self_signed'],
  'submission.password_rehashed': ['user'],
  'submission.password_rehash_failed': ['user', 'err'],
  'submission.refused': ['reason', 'code', 'enhanced', 'text', 'command', 'client_ip', 'user', 'session', 'method', 'failures', 'listener'],
  'suppression.added': ['recipient', 'created', 'token', 'via'],
  'suppression.removed': ['recipient', 'token', 'via'],
  'web.error': ['err', 'url'],
  'web.refused': ['reason', 'method', 'url', 'client_ip', 'token'],
  'web.sign_in_failed': ['client_ip'],
  'web.signed_in': ['token', 'scope', 'client_ip'],
  'web.signed_out': ['token', 'client_ip'],
  'webhook.cursor_started': ['cursor'],
  'webhook.delivered': ['endpoint', 'outbox_id', 'event_id', 'type', 'queue_id', 'message_id', 'recipient', 'attempt', 'status', 'error', 'next_attempt_at'],
  'webhook.failed': ['endpoint', 'outbox_id', 'event_id', 'type', 'queue_id', 'message_id', 'recipient', 'attempt', 'status', 'error', 'next_attempt_at'],
  'webhook.pass_failed': ['err'],
  'webhook.resent': ['outbox_id', 'endpoint', 'type', 'event_id', 'token', 'via'],
  'webhook.retry': ['endpoint', 'outbox_id', 'event_id', 'type', 'queue_id', 'message_id', 'recipient', 'attempt', 'status', 'error', 'next_attempt_at'],
  'webhook.started': ['endpoints'],
} as const satisfies Record<string, readonly (keyof LogFields)[]>;

export type LogEvent = keyof typeof LOG_EVENTS;

/** One log line: its event and (some of) that event's fields. */
export type LogLine = { [E in LogEvent]: { event: E } & Partial<Pick<LogFields, (typeof LOG_EVENTS)[E][number]>> }[LogEvent];
