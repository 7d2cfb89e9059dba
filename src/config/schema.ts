/**
 * The configuration schema. Everything from outside (the YAML file, MAILTRAIL_* variables) passes
 * through here; the rest of the code receives a typed, defaulted `Config` and never re-checks it.
 * Keys are snake_case, like Postfix's main.cf, and map one-to-one to environment variables:
 * `submission.limits.max_recipients` ← `MAILTRAIL_SUBMISSION__LIMITS__MAX_RECIPIENTS`.
 */
import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { cidrProblem } from './cidr.js';
import { canonicalEventType, WEBHOOK_EVENT_TYPES } from './webhook-events.js';

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().min(0);
/** Node's timers wait at most 2^31 − 1 ms; a longer one fires after 1 ms (a purge interval of 30 days ran every millisecond). */
const MAX_TIMER_MS = 2 ** 31 - 1;
const timerTooLong = `at most ${MAX_TIMER_MS} (about 24.8 days): longer waits cannot be timed`;
const timerMs = positiveInt.max(MAX_TIMER_MS, timerTooLong);
const timerMsOrZero = nonNegativeInt.max(MAX_TIMER_MS, timerTooLong);
const hostname = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/, 'a DNS host name such as mail.example.com');
const domain = hostname;
/**
 * IPv6 clients are counted per prefix of this length by every per-address limit (IPv4 clients per
 * address): one host usually holds a whole /64, often a /56 or /48, so counting single IPv6 addresses
 * limits nothing. 48 is a whole site; 128 counts single addresses again (clients that really share a
 * /64, such as an app fleet, are better put in trusted_networks or given a higher per-address limit).
 */
const ipv6PrefixLength = z.number().int().min(48).max(128).default(64);
/** Addresses or CIDR blocks (10.0.0.0/8, 2001:db8::/32), each checked where the config is read. */
const cidrList = z
  .array(
    z.string().superRefine((cidr, ctx) => {
      const problem = cidrProblem(cidr);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  )
  .default([]);

/**
 * An SMTP listener. Each key has its default, so `{ enabled: false }` turns one off and `{ port: 587 }`
 * moves one, without restating the rest (a missing port used to be an error even on a disabled listener).
 */
const listener = (defaultPort: number) =>
  z
    .strictObject({
      enabled: z.boolean().default(true),
      host: z.string().min(1).default('127.0.0.1'),
      port: port.default(defaultPort),
    })
    .default({ enabled: true, host: '127.0.0.1', port: defaultPort });

export const submissionSchema = z.strictObject({
  /** Port 587-style listener: cleartext greeting, STARTTLS offered. */
  starttls: listener(2587),
  /** Port 465-style listener: TLS from the first byte (RFC 8314). */
  implicit_tls: listener(2465),
  /** How long a successful AUTH (user, password, stored hash) is remembered, sparing an argon2id check (about 17 ms of CPU, src/auth/password.ts) per reconnect; 0 = never. */
  auth_cache_ms: nonNegativeInt.default(5 * 60_000),
  tls: z
    .strictObject({
      /** PEM files. Both null: a self-signed pair is generated beside the database at first start. */
      cert: z.string().nullable().default(null),
      key: z.string().nullable().default(null),
    })
    .default({ cert: null, key: null }),
  /**
   * Whether AUTH is allowed before TLS. `never` (production), `loopback` (clients on 127.0.0.0/8 and ::1
   * may authenticate in cleartext: apps on the same host), or `always` (tests only).
   */
  cleartext_auth: z.enum(['never', 'loopback', 'always']).default('never'),
  /**
   * Load balancers (addresses or CIDR blocks) that connect to both listeners with a PROXY protocol header
   * naming the client, v1 or v2 (HAProxy `send-proxy`/`send-proxy-v2`, nginx `proxy_protocol on`, an AWS NLB), like
   * Postfix's smtpd_upstream_proxy_protocol. A connection from a listed address must send one first, or it is
   * closed; every limit, log line and Received header then uses the header's client. Connections from other
   * addresses are never asked for one (a client must not choose its own address). Empty: no header is read.
   */
  proxy_protocol: cidrList,
  limits: z
    .strictObject({
      max_message_bytes: positiveInt.default(25 * 1024 * 1024),
      max_recipients: positiveInt.default(100),
      /** Command line limit in octets including CRLF (RFC 5321 §4.5.3.1.4: 512, plus room for extensions). */
      max_command_line: z.number().int().min(512).default(1000),
      /** Data line limit in octets excluding CRLF (RFC 5322 §2.1.1: 998). */
      max_data_line: z.number().int().min(78).default(998),
      /**
       * Header block limit in octets, up to the empty line that ends it (like sendmail's MaxHeadersLength,
       * far above real mail's tens of kilobytes): intake reads every header field on the event loop, and
       * 20 MB of short fields held every other session for seconds.
       */
      max_header_bytes: z
        .number()
        .int()
        .min(1024)
        .default(1024 * 1024),
      /** Idle time allowed while waiting for a command or for data. */
      idle_timeout_ms: timerMs.default(60_000),
      /** Total time one command may take to arrive (defeats one-byte-per-timeout slowloris clients). */
      command_timeout_ms: timerMs.default(60_000),
      /** Total time DATA may take. */
      data_timeout_ms: timerMs.default(10 * 60_000),
      /** Total lifetime of one session. */
      session_timeout_ms: timerMs.default(30 * 60_000),
      /** Connections in all, both listeners, TLS handshakes included. */
      max_connections: positiveInt.default(200),
      /**
       * Connections per client address that have not authenticated (TLS handshakes included). 50 as in
       * Postfix (smtpd_client_connection_count_limit); an app fleet behind one address sending more in
       * parallel goes in trusted_networks.
       */
      max_connections_per_ip: positiveInt.default(50),
      /** Authenticated sessions per client address: counted apart from the anonymous ones above. */
      max_authenticated_per_ip: positiveInt.default(150),
      /** IPv6 prefix length the per-address limits above and the AUTH-failure limits count a client by. */
      ipv6_prefix_length: ipv6PrefixLength,
      /** Client networks (CIDR) exempt from both per-address limits, like Postfix's $mynetworks; AUTH is still required. */
      trusted_networks: cidrList,
      /** Time a client on the implicit-TLS port has to finish its TLS handshake. */
      tls_handshake_timeout_ms: timerMs.default(10_000),
      /** Time a proxy_protocol balancer's connection has to deliver its whole PROXY header, v1 or v2 (Postfix: smtpd_upstream_proxy_timeout, 5 s). */
      proxy_header_timeout_ms: timerMs.default(5_000),
      /** AUTH failures from one IP before each further attempt is delayed. */
      auth_failures_before_delay: nonNegativeInt.default(3),
      auth_failure_delay_ms: timerMsOrZero.default(2_000),
      /** AUTH failures from one IP (within the window) after which it is told 421 and disconnected. */
      max_auth_failures: positiveInt.default(10),
      auth_failure_window_ms: positiveInt.default(15 * 60_000),
      /**
       * AUTH failures per user name (from addresses not known for the user, any number of them) within
       * auth_user_window_ms, after which AUTH for that user is refused with 454 4.7.0 without a password
       * check, except from its known addresses; 0 = off. 100: ten addresses' worth of the per-address block,
       * far above what an app with a stale password produces from new hosts before the per-address block
       * stops them anyway (docs/security.md).
       */
      max_auth_failures_per_user: nonNegativeInt.default(100),
      auth_user_window_ms: positiveInt.default(15 * 60_000),
      /** Days a successful AUTH keeps its address (IPv6: its /64) known for the user, exempt from that budget; 0 = none. */
      known_address_days: z.number().min(0).max(365).default(30),
      max_messages_per_session: positiveInt.default(1000),
    })
    .prefault({}),
});

/**
 * A destination domain as the queue stores it: lower-case, its A-label, no trailing dot (a leading dot, "any
 * subdomain", kept). A key written `Example.COM`, `example.com.` or `bücher.example` would otherwise never
 * match, and a `required` TLS policy would silently not apply.
 */
export function destinationKey(key: string): string {
  const lead = key.startsWith('.') ? '.' : '';
  const name = key.slice(lead.length).replace(/\.$/, '');
  return lead + (domainToASCII(name) || name).toLowerCase();
}

/** A table keyed by destination domain, its keys read as destinationKey does. */
function byDestination<T extends z.ZodType>(value: T) {
  return z.record(z.string().min(1), value).transform((table) => Object.fromEntries(Object.entries(table).map(([k, v]) => [destinationKey(k), v])));
}

/** `host`, `host:port`, `[ip]` or `[ip]:port` (Postfix's brackets: no MX lookup), checked when the config is read. */
const hostPort = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    const m = /^\[([^\]\s]+)\](?::(\d+))?$/.exec(value.trim()) ?? /^([^:\s[\]]+)(?::(\d+))?$/.exec(value.trim());
    if (!m) {
      ctx.addIssue({ code: 'custom', message: `cannot read "${value}" as host[:port]; an IPv6 address goes in brackets: [2001:db8::1]:25` });
      return;
    }
    const portNumber = m[2] === undefined ? null : Number(m[2]);
    if (portNumber !== null && (portNumber < 1 || portNumber > 65535)) ctx.addIssue({ code: 'custom', message: `port ${m[2]} is not between 1 and 65535` });
  });

export const deliverySchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** DNS servers for MX/A lookups (`ip` or `ip:port`); empty = the system's. */
  dns_servers: z.array(z.string().min(1)).default([]),
  dns_timeout_ms: timerMs.default(10_000),
  /**
   * Deliver in a worker thread with its own SQLite connection, so delivery and submission use two cores.
   * false: everything in one thread (simpler to profile).
   */
  worker_thread: z.boolean().default(true),
  /**
   * Old-generation heap of the delivery thread, in MB. Not only a ceiling: V8 lets garbage pile up in
   * proportion to it (up to 4 × the live heap at 2 GB and more, about 1.6 × at 1 GB), so a smaller one is
   * collected sooner; the thread lives on about 25 MB (message bodies are Buffers, outside this heap).
   */
  thread_heap_mb: z.number().int().min(128).default(1024),
  /** How long DNS answers are reused (never beyond an address record's TTL); 0 asks the server every time. */
  dns_cache_ms: nonNegativeInt.default(60_000),
  port: port.default(25),
  /** Route all mail through one host (with optional AUTH) instead of MX lookups. */
  smarthost: z
    .strictObject({
      host: z.string().min(1),
      port: port.default(587),
      tls: z.enum(['none', 'opportunistic', 'required', 'implicit']).default('required'),
      username: z.string().optional(),
      password: z.string().optional(),
    })
    .nullable()
    .default(null),
  /** Static routes like Postfix's transport maps: domain → host[:port], used instead of MX. */
  routes: byDestination(hostPort).default({}),
  /** TLS policy per destination domain; `default` for the rest. */
  tls_policy: z
    .strictObject({
      default: z.enum(['none', 'opportunistic', 'required']).default('opportunistic'),
      domains: byDestination(z.enum(['none', 'opportunistic', 'required'])).default({}),
    })
    .default({ default: 'opportunistic', domains: {} }),
  /** Reject self-signed/mismatched certificates under `required`. Opportunistic TLS never verifies (RFC 7435). */
  verify_certificates: z.boolean().default(true),
  /** MTA-STS (RFC 8461): honour the recipient domain's published policy for MX deliveries (not routes or a smarthost). */
  mta_sts: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Time allowed for fetching a policy over HTTPS (RFC 8461 §3.3 suggests at most 60 s). */
      fetch_timeout_ms: timerMs.default(10_000),
      /** After a failed fetch with no cached policy, how long delivery goes on without a policy before fetching again. */
      retry_after_ms: positiveInt.default(5 * 60_000),
    })
    .prefault({}),
  /**
   * TESTS ONLY: a PEM file of CA certificates trusted for outbound TLS (MTA-STS policy fetches and MX
   * certificates) besides Node's built-in roots, so tests can run a local HTTPS policy server. Leave null.
   */
  test_only_ca_file: z.string().nullable().default(null),
  connect_timeout_ms: timerMs.default(30_000),
  /** The 220: RFC 5321 §4.5.3.2.1 asks a client to wait 5 minutes (a busy server greets late, not never). */
  greeting_timeout_ms: timerMs.default(5 * 60_000),
  /**
   * A mail server address that gave no reply before a timeout (connect or greeting) is skipped for
   * `hold_ms` (doubling while it stays silent, at most 30 minutes; then one session tries it first), and
   * new sessions keep away from one our connection has waited on for `stalled_after_ms` without a word:
   * otherwise every session to it waits the same minutes in a delivery slot (src/delivery/unresponsive-hosts.ts).
   * 0 turns the hold off.
   */
  unresponsive_hosts: z
    .strictObject({
      hold_ms: timerMsOrZero.default(5 * 60_000),
      stalled_after_ms: timerMs.default(30_000),
    })
    .prefault({}),
  command_timeout_ms: timerMs.default(5 * 60_000),
  /**
   * The reply after the message's closing dot: RFC 5321 §4.5.3.2.6 asks for 10 minutes, since a server may
   * scan the message first, and giving up there may deliver it twice. Null: twice command_timeout_ms.
   */
  data_done_timeout_ms: timerMs.nullable().default(null),
  max_connections: positiveInt.default(100),
  max_connections_per_domain: positiveInt.default(20),
  /**
   * Simultaneous connections to one MX IP address, idle pooled ones included. Many domains share one
   * MX (Google Workspace, Microsoft 365), so this, not the per-domain limit, is what a receiver sees.
   */
  max_connections_per_host: positiveInt.default(20),
  max_messages_per_connection: positiveInt.default(100),
  /** How often the scheduler looks for due recipients when idle. */
  poll_interval_ms: timerMs.default(1_000),
  /**
   * How long a claim on a recipient lasts without renewal. A live relay renews its claims every third of
   * this (the heartbeat), so it can be short: when a relay dies, its mail is taken over within one lease.
   */
  lease_ms: z.number().int().min(3_000).max(MAX_TIMER_MS, timerTooLong).default(30_000),
  /**
   * On a graceful stop, how long a transaction that has sent its message may still wait for the reply to
   * it (cutting it would make the outcome unknown and the next attempt a possible duplicate).
   */
  stop_final_reply_ms: timerMsOrZero.default(60_000),
  retry: z
    .strictObject({
      /** First retry delay; doubles each attempt up to `max_delay_ms` (Postfix: 300 s … 4000 s). */
      min_delay_ms: positiveInt.default(5 * 60_000),
      max_delay_ms: positiveInt.default(4 * 60 * 60_000),
      /** ± fraction of randomness so that retries of a burst do not arrive together. */
      jitter: z.number().min(0).max(1).default(0.2),
      /** After this, a still-undelivered recipient expires (Postfix maximal_queue_lifetime: 5 d). */
      max_queue_lifetime_ms: positiveInt.default(5 * 24 * 60 * 60_000),
    })
    .prefault({}),
  /** VERP return paths: sending domain → bounce domain (`*` for all). Empty: the original sender is used. */
  bounce_domains: z.record(z.string(), domain).default({}),
  dsn: z
    .strictObject({
      /** Send RFC 3464 failure notices to the envelope sender. */
      enabled: z.boolean().default(true),
      /** Send one delay warning after this long, when the sender's NOTIFY includes DELAY. */
      delay_warning_after_ms: positiveInt.default(4 * 60 * 60_000),
      /** From header of the DSNs mailtrail generates (their envelope sender is always the null sender <>). */
      from: z.string().default('MAILER-DAEMON'),
    })
    .prefault({}),
  /**
   * SMTP TLS reporting (RFC 8460): a daily report, to each recipient domain that publishes a `_smtp._tls`
   * TXT record, of the TLS sessions mailtrail had with its MX hosts (src/tlsrpt).
   */
  tls_reporting: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** organization-name of the reports: who runs this relay. */
      organization_name: z.string().trim().min(1).max(200).nullable().default(null),
      /** contact-info of the reports: an address or URL a receiving domain can reach about them. */
      contact_info: z.string().trim().min(1).max(200).nullable().default(null),
      /** Reports for a UTC day are sent from this hour of the next day (spreads load; RFC 8460 allows up to a day's delay). */
      send_hour_utc: z.number().int().min(0).max(23).default(0),
      /** Time allowed for an https: report POST. */
      https_timeout_ms: timerMs.default(30_000),
    })
    .superRefine((t, ctx) => {
      if (!t.enabled) return;
      if (!t.organization_name)
        ctx.addIssue({
          code: 'custom',
          path: ['organization_name'],
          message: 'required when tls_reporting.enabled is true: the organization sending the reports (RFC 8460 organization-name)',
        });
      if (!t.contact_info)
        ctx.addIssue({
          code: 'custom',
          path: ['contact_info'],
          message: 'required when tls_reporting.enabled is true: an email address or URL for questions about the reports (RFC 8460 contact-info)',
        });
    })
    .prefault({}),
});

/** A header field name (RFC 5322 §3.6.8 ftext). */
const headerName = z.string().regex(/^[\x21-\x39\x3b-\x7e]+$/, 'a header field name such as From or List-Unsubscribe');

/** DKIM signing at intake (RFC 6376, RFC 8463). Keys: `mailtrail dkim keygen` (database) and `keys` (files). */
export const dkimSchema = z.strictObject({
  /** false: nothing is signed (keys are still kept and checked by `mailtrail doctor`). */
  enabled: z.boolean().default(true),
  /**
   * d= for mail whose From domain has no key (or is not among the sending user's domains): a domain that has
   * a key, typically the relay operator's. Such a signature does not align with the From domain for DMARC.
   * null: that mail goes unsigned.
   */
  fallback_domain: domain.nullable().default(null),
  /** Header fields signed, each occurrence present. */
  headers: z
    .array(headerName)
    .min(1)
    .default([
      'From',
      'Sender',
      'Reply-To',
      'Subject',
      'Date',
      'Message-ID',
      'To',
      'Cc',
      'MIME-Version',
      'Content-Type',
      'Content-Transfer-Encoding',
      'Content-ID',
      'Content-Description',
      'In-Reply-To',
      'References',
      'List-Id',
      'List-Help',
      'List-Unsubscribe',
      'List-Unsubscribe-Post',
      'List-Subscribe',
      'List-Post',
      'List-Owner',
      'List-Archive',
    ])
    .refine((list) => list.some((h) => h.toLowerCase() === 'from'), 'a list that includes From (RFC 6376 §5.4 requires it)'),
  /** Fields signed once more than they occur, so that no copy can be added after signing (From is always oversigned). */
  oversign: z.array(headerName).default(['From', 'Reply-To', 'Subject', 'Date', 'To', 'Cc', 'Message-ID', 'List-Unsubscribe', 'List-Unsubscribe-Post']),
  /** Keys kept in files (e.g. shared with another signer), used before database keys of the same domain and algorithm. */
  keys: z
    .array(
      z.strictObject({
        domain,
        selector: hostname,
        /** PEM private key (PKCS#8 or PKCS#1), RSA (at least 1024 bits; 2048 advised) or Ed25519. Relative to the config file. */
        private_key_file: z.string().min(1),
      }),
    )
    .default([]),
});

/** `mailtrail doctor` and GET /v1/doctor: what the checks need to know about this relay. DNS: delivery.dns_servers. */
export const doctorSchema = z.strictObject({
  /** The public addresses this relay sends from and receives bounces on (SPF, PTR, DNSBL, bounce MX checks). */
  public_ips: z.array(z.union([z.ipv4(), z.ipv6()])).default([]),
  /** DNSBL zones the public addresses are looked up in. */
  dnsbl_zones: z.array(domain).default(['zen.spamhaus.org', 'bl.spamcop.net', 'b.barracudacentral.org']),
  /** Domain blocklists (RHSBL) the sending domains are looked up in. */
  domain_dnsbl_zones: z.array(domain).default(['dbl.spamhaus.org']),
  /** Warn when the submission certificate expires within this many days. */
  certificate_warn_days: positiveInt.default(14),
});

export const bouncesSchema = z.strictObject({
  enabled: z.boolean().default(false),
  listener: listener(2525),
  /**
   * Load balancers (addresses or CIDR blocks) that connect with a PROXY protocol header (v1 or v2) naming the client,
   * as submission.proxy_protocol: a listed address must send one first or is closed; max_connections_per_ip
   * and the logs then count and name the header's client; other addresses are never asked. Empty: none read.
   */
  proxy_protocol: cidrList,
  /** Time a proxy_protocol balancer's connection has to deliver its whole PROXY header, v1 or v2. */
  proxy_header_timeout_ms: timerMs.default(5_000),
  /** Secret for VERP tokens (HMAC-SHA256). Required once bounce domains are used. */
  verp_secret: z.string().min(16, 'at least 16 characters of secret').nullable().default(null),
  /** Local parts accepted at every bounce domain besides VERP addresses. */
  role_addresses: z.array(z.string().min(1)).default(['postmaster', 'abuse']),
  max_message_bytes: positiveInt.default(10 * 1024 * 1024),
  max_mime_parts: positiveInt.default(500),
  max_mime_depth: positiveInt.default(20),
  /**
   * Recipients read from one report; the rest are counted (`recipients_omitted`), not parsed. A DSN
   * about one message of ours names at most the recipients we sent it to.
   */
  max_report_recipients: positiveInt.default(1000),
  /**
   * Mail bytes per second all inbound sessions together are read at (0: as fast as they come). Port 25 is
   * open to anyone; reading large reports at loopback speed takes the CPU submissions need (issue 11).
   * Ordinary bounces (kilobytes) are never slowed: the first megabyte after a quiet spell passes at once.
   */
  data_bytes_per_second: z
    .number()
    .int()
    .min(0)
    .default(8 * 1024 * 1024),
  /** Time one parse may take, in its worker thread; past it the thread is stopped and the mail kept with an error. */
  parse_timeout_ms: timerMs.default(10_000),
  /** Heap one parse may use (the worker thread's old generation, MB); past it the mail is kept with an error. */
  parse_memory_mb: z.number().int().min(64).default(256),
  /** Connections in all (sessions and connections waiting for the greeting). */
  max_connections: positiveInt.default(100),
  /** Connections per client address: one sender cannot hold every slot. */
  max_connections_per_ip: positiveInt.default(10),
  /** IPv6 prefix length max_connections_per_ip counts a client by. */
  ipv6_prefix_length: ipv6PrefixLength,
  /** RCPT TO per inbound transaction (a DSN has one; a few for role addresses). */
  max_recipients: positiveInt.default(20),
  /** Command line limit in octets including CRLF (RFC 5321 §4.5.3.1.4: 512, plus room for extensions). */
  max_command_line: z.number().int().min(512).default(1000),
  /** Idle time allowed while waiting for a command or for data. */
  idle_timeout_ms: timerMs.default(60_000),
  /** Total time one command line may take to arrive (defeats one-byte-per-idle-timeout slowloris clients). */
  command_timeout_ms: timerMs.default(60_000),
  /** Total time the DATA content may take. */
  data_timeout_ms: timerMs.default(5 * 60_000),
  /** Total lifetime of one session. */
  session_timeout_ms: timerMs.default(10 * 60_000),
  /** MAIL transactions per connection. */
  max_messages_per_session: positiveInt.default(100),
  /**
   * Wait before the 220 greeting; a client that talks first is refused (421 "You talk too soon"), as
   * spam bots that do not wait for the greeting are (Postfix postscreen's pregreet test). 0 = greet at once.
   */
  pregreet_wait_ms: timerMsOrZero.default(300),
  /** Window for the last-resort match by recipient address. */
  correlation_window_ms: positiveInt.default(30 * 24 * 60 * 60_000),
  /**
   * Which hard bounces add the address to the suppression list: `hard` every one; `high-confidence` only
   * those whose evidence is the receiving server's own words at a stage that judges the address (not a
   * status alone, not a "user unknown" from a content filter or under a 5.7.x status). Complaints always do.
   */
  suppress_on: z.enum(['hard', 'high-confidence']).default('hard'),
});

const TOKEN_ADVICE =
  'at least 32 characters without spaces, random: make one with `openssl rand -base64 32`, or use `mailtrail tokens add NAME --scope read|admin` (stores only its hash) instead';

export const apiSchema = z.strictObject({
  enabled: z.boolean().default(true),
  host: z.string().min(1).default('127.0.0.1'),
  port: port.default(8025),
  /** Static tokens; more can be added with `mailtrail tokens add`. */
  tokens: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        // 32 characters (generated tokens have 46): a short token in a file is often a word or a name,
        // and a word is guessed long before any failure limit matters. No spaces: a Bearer header cannot carry one.
        token: z.string().refine((t) => t.length >= 32 && /^\S+$/.test(t), TOKEN_ADVICE),
        scope: z.enum(['read', 'admin']),
      }),
    )
    .default([])
    // A name says who did an action (`token` in the log, `by` in events): two tokens may not share one.
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((t, i) => {
        if (seen.has(t.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `a name not used by another token ("${t.name}" is taken)` });
        seen.add(t.name);
      });
    }),
  /**
   * Reverse proxies (addresses or CIDR blocks) whose X-Forwarded-For is believed. A request from one of
   * them is counted and logged as the right-most X-Forwarded-For address that is not itself a trusted
   * proxy: the right end was written by our own proxies, everything left of it by whoever sent the
   * request, who can write any address there. They are also exempt from max_connections_per_ip (every
   * client's connections arrive from them; max_connections still counts them). Empty (the default): the
   * header is never read, and a direct client cannot choose its own address.
   */
  trusted_proxies: cidrList,
  /**
   * The HTTP server's front door (API, web page, metrics): it shares the process, and its file
   * descriptors, with the SMTP listeners, so a flood of idle or trickling HTTP clients must not be able
   * to hold sockets without bound. Behind a reverse proxy on the same host, list it in trusted_proxies.
   */
  limits: z
    .strictObject({
      /** Connections in all; the one over it is answered 503 and closed. */
      max_connections: positiveInt.default(256),
      /** Connections per client address; the one over it is answered 503 and closed. */
      max_connections_per_ip: positiveInt.default(32),
      /** IPv6 prefix length max_connections_per_ip and max_auth_failures count a client by. */
      ipv6_prefix_length: ipv6PrefixLength,
      /**
       * Failed credentials (unknown bearer tokens, failed web sign-ins) from one client address within
       * auth_failure_window_ms, after which it is answered 429 for the rest of the window without its
       * token being looked up. Successes do not reset the count: a holder of a read token must not be able
       * to guess admin tokens between good requests.
       */
      max_auth_failures: positiveInt.max(10_000).default(10),
      /** The window failures are counted in, and how long an address that reached max_auth_failures waits. */
      auth_failure_window_ms: positiveInt.default(15 * 60_000),
      /** Socket inactivity, before a request and between keep-alive requests. */
      idle_timeout_ms: timerMs.default(60_000),
      /** Time for a request's headers to arrive in full (a client sending a header byte at a time still runs out). */
      headers_timeout_ms: timerMs.default(20_000),
      /** Time for a whole request, headers and body, to arrive. */
      request_timeout_ms: timerMs.default(30_000),
    })
    .superRefine((l, ctx) => {
      if (l.headers_timeout_ms > l.request_timeout_ms)
        ctx.addIssue({
          code: 'custom',
          path: ['headers_timeout_ms'],
          message: `at most request_timeout_ms (${l.request_timeout_ms}): the headers are part of the request`,
        });
    })
    .prefault({}),
  /** The support web page under /ui (src/web): sign in with an API token. */
  ui: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** A session unused this long ends (sign in again). */
      session_idle_minutes: positiveInt.default(60),
      /** A session ends this long after sign-in, used or not. */
      session_max_hours: positiveInt.default(12),
    })
    .prefault({}),
});

const webhookEndpoint = z.strictObject({
  /** Shown by `mailtrail webhooks` and in the log; the outbox keys rows by it, so renaming starts afresh. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a short name of letters, digits, ".", "_" or "-" (such as crm or billing-prod)'),
  url: z
    .string()
    .refine(isHttpUrl, 'an http:// or https:// URL such as https://app.example.com/hooks/mailtrail')
    // fetch refuses a URL with credentials, so every POST would fail, and each failure would log the password.
    .refine(
      (value) => !hasCredentials(value),
      'a URL without a user name or password (fetch cannot send them): the receiver checks X-Mailtrail-Signature, or give it a token in the path',
    ),
  /** Event kinds to send (`auto-reply` is read as `auto-replied`). Default: all of them. */
  events: z
    .array(z.string().transform(canonicalEventType).pipe(z.enum(WEBHOOK_EVENT_TYPES)))
    .min(1)
    .transform((list) => [...new Set(list)])
    .default([...WEBHOOK_EVENT_TYPES]),
  /** Key of the HMAC-SHA256 signature in X-Mailtrail-Signature; share it with the receiver only. */
  secret: z.string().min(16, 'at least 16 characters of secret'),
  /** Time allowed for the receiver to answer; after it the POST counts as failed and is retried. */
  timeout_ms: timerMs.default(10_000),
});

function hasCredentials(value: string): boolean {
  try {
    const url = new URL(value);
    return url.username !== '' || url.password !== '';
  } catch {
    return false;
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export const webhooksSchema = z.strictObject({
  /** Where to POST events. Empty (the default): no webhooks. */
  endpoints: z
    .array(webhookEndpoint)
    .default([])
    // Reported at the repeated name, not the whole list: the message must not print the secrets.
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((e, i) => {
        if (seen.has(e.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `a name not used by another endpoint ("${e.name}" is taken)` });
        seen.add(e.name);
      });
    }),
  retry: z
    .strictObject({
      /** First retry delay; doubles each failed POST up to `max_delay_ms`. */
      min_delay_ms: positiveInt.default(30_000),
      max_delay_ms: positiveInt.default(60 * 60_000),
      /** ± fraction of randomness so that a receiver coming back is not hit by every retry at once. */
      jitter: z.number().min(0).max(1).default(0.2),
    })
    .prefault({}),
  /** POSTs per event and endpoint before it is marked `failed` (12: about 5½ hours with the default delays). */
  max_attempts: positiveInt.default(12),
  /** How often the dispatcher looks for new events and due retries. */
  poll_interval_ms: timerMs.default(1_000),
});

/** Days to keep a kind of row; 0 keeps it forever. */
const days = z.number().min(0).max(36_500);

/**
 * How long history is kept. A purge pass runs at start and every `interval_ms`, deleting in small batches
 * so that submissions never wait on it. Nothing still waiting for delivery, no inbound mail not yet
 * processed and no webhook still pending is ever purged, whatever its age.
 */
export const retentionSchema = z.strictObject({
  /** Whole messages (row, recipients, events, content, the bounces matched to them) after delivery ended. */
  history_days: days.default(90),
  /**
   * Only the message content: trace and search keep working, a late failure report carries no copy of
   * the original. Keep it longer than `delivery.retry.max_queue_lifetime_ms` (5 days by default).
   */
  content_days: days.default(7),
  /** Inbound mail (bounces, reports, auto-replies) that matched none of our messages. */
  inbound_days: days.default(90),
  /** Webhook deliveries that were delivered or failed for good. */
  webhooks_days: days.default(30),
  interval_ms: timerMs.default(60 * 60_000),
  /**
   * Messages (with all their rows: recipients, events, content, subject, matched bounces), contents, inbound
   * mails and webhook deliveries deleted per step, each kind at most this many: the longest a submission can
   * wait behind one purge step (an audit saw 83,000 messages in one step hold every write for 2.5 s).
   */
  batch: positiveInt.max(10_000).default(500),
});

/** The SQLite file of one relay (the embedded default). */
const sqliteDatabase = z.strictObject({
  backend: z.literal('sqlite'),
  path: z.string().min(1).default('./data/mailtrail.db'),
  /** SQLite synchronous: FULL (default) fsyncs every commit, which is what "queued" promises. */
  synchronous: z.enum(['FULL', 'EXTRA', 'NORMAL']).default('FULL'),
  /**
   * With FULL, who flushes each commit to disk before it is acknowledged: `background` (default) flushes
   * the WAL with fdatasync off the event loop, so sessions keep being served during the flush;
   * `inline` lets SQLite flush inside COMMIT (the event loop waits). The durability promise is the same.
   */
  fsync: z.enum(['background', 'inline']).default('background'),
  busy_timeout_ms: timerMsOrZero.default(5_000),
});

/** A PostgreSQL database shared by several relays (one queue, one history). */
const postgresDatabase = z.strictObject({
  backend: z.literal('postgres'),
  /** `postgres://user:password@host:5432/mailtrail` (also MAILTRAIL_DATABASE__URL). */
  url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL such as postgres://mailtrail@db.example.net:5432/mailtrail'),
  /** Connections this node keeps open (each thread of the relay has its own pool of this size). */
  pool: positiveInt.max(1000).default(10),
  /**
   * How long one statement may take. The server cancels it then; a server that does not answer at all (a
   * frozen host, a network partition) is given as long again (5 s at most) before the connection is dropped. A submission
   * whose commit runs out hears 451 (never a 250 without the commit), instead of waiting for TCP to give up.
   */
  // The client's own deadline is this plus up to 5 s (src/store/postgres/database.ts): both within Node's timers.
  statement_timeout_ms: positiveInt
    .min(100)
    .max(MAX_TIMER_MS - 5_000, timerTooLong)
    .default(30_000),
  /** This node's own files (the generated self-signed certificate): the database holds everything else. */
  state_dir: z.string().min(1).default('./data'),
});

/**
 * Where state lives. Without `backend` (configs written before there was a choice): SQLite.
 */
export const databaseSchema = z.preprocess(
  (v) => (v === undefined ? { backend: 'sqlite' } : v && typeof v === 'object' && !('backend' in v) ? { ...v, backend: 'sqlite' } : v),
  z.discriminatedUnion('backend', [sqliteDatabase, postgresDatabase], { error: () => 'backend must be sqlite or postgres' }),
);
export type DatabaseConfig = z.infer<typeof databaseSchema>;

export const configSchema = z.strictObject({
  /** Our name: EHLO, Received headers, banners, DSN Reporting-MTA. */
  hostname: hostname.default('localhost'),
  database: databaseSchema,
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** Also append the JSON log to this file (stdout always gets it). */
      file: z.string().nullable().default(null),
      /**
       * What stdout gets: `json` lines (the schema), `pretty` lines for people, or `auto`: pretty when
       * stdout is a terminal, JSON otherwise. `log.file` is always JSON.
       */
      format: z.enum(['auto', 'json', 'pretty']).default('auto'),
    })
    .prefault({}),
  submission: submissionSchema.prefault({}),
  delivery: deliverySchema.prefault({}),
  bounces: bouncesSchema.prefault({}),
  api: apiSchema.prefault({}),
  webhooks: webhooksSchema.prefault({}),
  retention: retentionSchema.prefault({}),
  dkim: dkimSchema.prefault({}),
  doctor: doctorSchema.prefault({}),
});

export type Config = z.infer<typeof configSchema>;
