/**
 * What one attempt's report becomes in the queue: the phase and outcome events, each recipient's new
 * state and next attempt, and the suppressions its hard bounces cause. Pure (time and randomness are
 * given), so the rules are testable without a store; the scheduler writes the result in one transaction.
 */
import { replyLine } from '../classify/reply-line.js';
import type { Classification } from '../classify/types.js';
import type { Config } from '../config/schema.js';
import type { AttemptReport, RecipientOutcome } from '../delivery/types.js';
import type { AttemptWrite, RecipientUpdate } from '../store/store.js';
import { suppressionKey } from '../suppression/list.js';
import type { NewEvent } from '../types.js';
import { nextAttemptAt } from '../retry/backoff.js';
import { tlsSessionsOf } from '../tlsrpt/sessions.js';
import type { Job } from './jobs.js';

export interface AttemptPlan {
  write: Omit<AttemptWrite, 'owner'>;
  /** Each recipient's outcome as reported (a forgotten one: deferred, see missingOutcome). */
  outcomes: Map<number, RecipientOutcome>;
  /** Each recipient's next attempt time (null unless deferred). */
  nextOf: Map<number, number | null>;
}

export interface PlanContext {
  now: number;
  retry: Config['delivery']['retry'];
  /** Extra backoff steps for a destination that asked us to slow down. */
  skipSteps: number;
  /** [0, 1): the jitter of each deferral. */
  random: () => number;
  /** Count the attempt's TLS sessions for RFC 8460 reports (delivery.tls_reporting.enabled). */
  tlsReporting?: boolean;
}

export function planAttempt(job: Job, report: AttemptReport, ctx: PlanContext): AttemptPlan {
  const { now, retry } = ctx;
  const { message } = job;
  const expiresAt = message.createdAt + retry.max_queue_lifetime_ms;
  const outcomes = new Map(report.recipients.map((o) => [o.recipientId, o]));
  const jobAttempt = Math.max(...job.recipients.map((r) => r.attempts + 1));
  const recipientIds = job.recipients.map((r) => r.id);
  const attemptOf = new Map(job.recipients.map((r) => [r.id, r.attempts + 1]));

  const events: NewEvent[] = report.phases.map((p) => ({
    at: p.at,
    kind: 'phase',
    messageRowId: message.id,
    recipientId: p.recipientId ?? null,
    attempt: (p.recipientId != null ? attemptOf.get(p.recipientId) : undefined) ?? jobAttempt,
    phase: p.phase,
    code: p.code,
    enhanced: p.enhanced,
    text: p.text,
    remoteHost: p.remoteHost,
    remoteIp: p.remoteIp,
    durationMs: p.durationMs,
    // The transaction's recipients, so a per-recipient timeline can include the shared phases.
    detail: { ...p.detail, ...(p.error ? { error: p.error } : {}), ...(p.recipientId == null ? { recipient_ids: recipientIds } : {}) },
  }));
  const updates: RecipientUpdate[] = [];
  const nextOf = new Map<number, number | null>();
  for (const r of job.recipients) {
    const o = outcomes.get(r.id) ?? missingOutcome(r.id);
    outcomes.set(r.id, o);
    const attempt = r.attempts + 1;
    const next = o.outcome === 'deferred' ? Math.min(nextAttemptAt(attempt + ctx.skipSteps, retry, now, ctx.random()), Math.max(expiresAt, now)) : null;
    nextOf.set(r.id, next);
    const enhanced = o.enhanced ?? o.classification.enhanced;
    updates.push({
      id: r.id,
      state: o.outcome,
      nextAttemptAt: next,
      lastCode: o.code,
      lastEnhanced: enhanced,
      lastText: o.text,
      category: o.classification.category,
      hard: o.classification.hard,
    });
    events.push({
      at: now,
      kind: o.outcome,
      messageRowId: message.id,
      recipientId: r.id,
      attempt,
      phase: o.phase,
      code: o.code,
      enhanced,
      text: o.text,
      remoteHost: o.remoteHost,
      remoteIp: o.remoteIp,
      durationMs: report.finishedAt - report.startedAt,
      detail: {
        category: o.classification.category,
        hard: o.classification.hard,
        explanation: o.classification.explanation,
        rule: o.classification.rule,
        next_attempt_at: next,
        // The status is the classifier's when the server gave none: a DSN's Diagnostic-Code quotes only the server.
        ...(o.enhanced === null && enhanced !== null ? { status_inferred: true } : {}),
        // Whether the message had been sent when the data phase failed: only then may the server have kept it.
        ...(o.phase === 'data' && o.outcome === 'deferred' ? { after_body: o.afterBody === true } : {}),
        ...(report.throttled ? { throttled: true } : {}),
      },
    });
  }
  // A hard bounce (the address itself is bad) goes on the suppression list with its event, as a late
  // hard bounce does in src/bounces: the next message to it is refused at submission, not sent.
  const suppress = updates
    .filter((u) => u.state === 'bounced' && u.hard === true)
    .map((u) => {
      const r = job.recipients.find((x) => x.id === u.id)!;
      return {
        recipientId: u.id,
        address: suppressionKey(r.address),
        reason: `hard bounce: ${replyLine({ code: u.lastCode, enhanced: u.lastEnhanced, text: u.lastText })}`.slice(0, 500),
      };
    });
  // mailtrail's own mail (DSNs, TLS reports) is left out of TLS reports: a report about the delivery of
  // reports would only report on itself (RFC 8460 §5.3: "SHOULD NOT include this SMTP session").
  const tlsSessions = ctx.tlsReporting && message.origin !== 'dsn' ? tlsSessionsOf(report) : [];
  return { write: { at: now, events, recipients: updates, suppress, ...(tlsSessions.length ? { tlsSessions } : {}) }, outcomes, nextOf };
}

const INTERNAL: Classification = {
  category: 'system-error',
  permanent: false,
  hard: false,
  enhanced: '4.3.0',
  explanation: 'mailtrail itself failed while attempting this delivery; it will try again.',
  rule: 'internal',
};

/** The deliverer must never throw; if it does, the attempt counts as a temporary failure, never a loss. */
export function internalFailure(job: Job, startedAt: number, err: Error): AttemptReport {
  return {
    startedAt,
    finishedAt: Date.now(),
    domain: job.domain,
    phases: [],
    recipients: job.recipients.map((r) => ({ ...missingOutcome(r.id), text: `internal error: ${err.message}` })),
    mx: null,
    ip: null,
    throttled: false,
  };
}

/** A report that forgot a recipient: deferred, so that it is tried again rather than left leased. */
export function missingOutcome(recipientId: number): RecipientOutcome {
  return {
    recipientId,
    outcome: 'deferred',
    phase: 'connect',
    code: null,
    enhanced: '4.3.0',
    text: 'no outcome reported for this recipient',
    remoteHost: null,
    remoteIp: null,
    classification: INTERNAL,
  };
}
