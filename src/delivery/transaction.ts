/**
 * One SMTP transaction on a ready session: MAIL, RCPT…, DATA and the message. Definite once MAIL got a
 * reply: from then on the answer is about this message, not this host.
 *
 * With PIPELINING (RFC 2920) the commands up to DATA leave in one write, and on a reused connection the
 * RSET that checks it goes first in the same write: one round trip before the body instead of three.
 * Each reply is still read in order and recorded as its own phase. DATA is the last command of the
 * group, as RFC 2920 requires; when MAIL or every RCPT was refused, its reply (503/554 from a compliant
 * server) is read and nothing is sent. A server that answers 354 there anyway is left without the
 * closing dot: the connection is dropped, so no message can come of it.
 */
import { isAscii } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import type { Phase } from '../types.js';
import { asNetworkError, phaseAt, type StepContext, type Verdict } from './session-steps.js';
import { xtext, type SmtpClient, type SmtpReply } from './smtp-client.js';
import type { DeliveryJob, DeliveryRecipient, PhaseRecord } from './types.js';

/** A host's answer: every recipient's verdict, or the failure that sends us to the next host. */
export type HostResult = { definite: true; verdicts: Map<number, Verdict> } | { definite: false; failure: Verdict; retryCleartext?: boolean };

export interface TransactionContext extends Omit<StepContext, 'record'> {
  record(p: PhaseRecord, recipient?: DeliveryRecipient): void;
  /** Set when the relay is stopping: no new transaction is started. */
  stopping?: AbortSignal;
}

/** The error of a transaction not started because the relay is stopping. */
export const STOPPING = 'ESTOPPING';

export interface TransactionResult {
  definite: boolean;
  result: HostResult;
  /** The server said 421 or the connection broke: the session must not be reused. */
  sawClose: boolean;
  /** The reused connection's RSET failed (nothing was recorded): open a new connection and start again. */
  stale?: boolean;
}

/** A reused connection's RSET, sent with the pipelined commands; `onReset` is told when it got its 250. */
export interface ReuseCheck {
  onReset(): void;
}

/** MAIL, RCPT…, DATA on a ready session. Definite once MAIL got a reply. */
export async function transaction(ctx: TransactionContext, client: SmtpClient, job: DeliveryJob, reuse?: ReuseCheck): Promise<TransactionResult> {
  const { clock, record } = ctx;
  const d = ctx.config.delivery;
  const where = { remoteHost: ctx.host.host, remoteIp: ctx.ip };
  const phase = (name: Phase, at: number, t: number, reply: SmtpReply | null, extra?: Partial<PhaseRecord>) => phaseAt(ctx, name, at, t, reply, extra);
  const ext = client.extensions;
  const verdicts = new Map<number, Verdict>();
  const all = (v: Omit<Verdict, 'remoteHost' | 'remoteIp'>, ids = job.recipients.map((r) => r.id)) => {
    for (const id of ids) if (!verdicts.has(id)) verdicts.set(id, { ...v, ...where });
  };
  let sawClose = false;
  const note = (r: SmtpReply) => {
    if (r.code === 421) sawClose = true;
    return r;
  };

  const needsUtf8 = [job.envelopeFrom, ...job.recipients.map((r) => r.address)].some((a) => /[^\x00-\x7f]/.test(a));
  if (needsUtf8 && !ext.has('SMTPUTF8')) {
    all({ phase: 'mail', code: null, enhanced: '5.6.7', text: `${where.remoteHost} does not support SMTPUTF8, which this message's non-ASCII addresses need` });
    return { definite: true, result: { definite: true, verdicts }, sawClose };
  }
  const params: string[] = [];
  if (ext.has('SIZE')) params.push(`SIZE=${job.raw.length}`);
  if (ext.has('8BITMIME') && has8bit(job.raw)) params.push('BODY=8BITMIME');
  if (needsUtf8) params.push('SMTPUTF8');
  const dsn = ext.has('DSN');
  if (dsn) {
    if (job.message.ret) params.push(`RET=${job.message.ret}`);
    params.push(`ENVID=${xtext(job.message.queueId)}`);
  }
  const mailLine = `MAIL FROM:<${job.envelopeFrom}>${params.length ? ` ${params.join(' ')}` : ''}`;
  // With VERP the next hop's reports come to mailtrail, not to the app: it asks for failures and delays
  // whatever the app's NOTIFY (NOTIFY=NEVER there would hide every later bounce from tracking and suppression)
  // and tells the app as its NOTIFY asks. Without VERP they go to the app: its NOTIFY is passed on (RFC 3461 §5.2).
  const verp = job.envelopeFrom !== job.message.mailFrom;
  const notifyOf = (r: DeliveryRecipient) =>
    verp ? ['FAILURE', 'DELAY', ...(r.notify?.includes('SUCCESS') ? ['SUCCESS'] : [])].join(',') : r.notify?.length ? r.notify.join(',') : 'FAILURE,DELAY';
  const rcptLine = (r: DeliveryRecipient) => {
    const p: string[] = [];
    if (dsn) {
      p.push(`NOTIFY=${notifyOf(r)}`);
      const [type, ...addr] = (r.orcpt ?? `rfc822;${r.address}`).split(';');
      p.push(`ORCPT=${type};${xtext(addr.join(';'))}`);
    }
    return `RCPT TO:<${r.address}>${p.length ? ` ${p.join(' ')}` : ''}`;
  };
  const pipelining = ext.has('PIPELINING');
  /** MAIL, and with PIPELINING every RCPT and DATA too: written in one tick, they leave in one write. */
  const writeGroup = () => {
    client.write(mailLine);
    if (!pipelining) return;
    for (const r of job.recipients) client.write(rcptLine(r));
    client.write('DATA');
  };

  if (ctx.stopping?.aborted) {
    const failure = {
      phase: 'mail' as const,
      code: null,
      enhanced: null,
      text: 'the relay is stopping: no new transaction was started',
      error: STOPPING,
      temporary: true,
      ...where,
    };
    return { definite: false, result: { definite: false, failure }, sawClose: false };
  }

  // --- RSET of a reused connection, then MAIL (with RCPT… and DATA when pipelining)
  const stale = (): TransactionResult => {
    client.destroy(); // whatever was written behind the RSET must not run on a connection in an unknown state
    const failure = { phase: 'connect' as const, code: null, enhanced: null, text: 'the reused connection did not answer RSET', ...where };
    return { definite: false, result: { definite: false, failure }, sawClose: true, stale: true };
  };
  if (reuse) {
    let reset: SmtpReply | null = null;
    try {
      client.write('RSET');
      if (pipelining) writeGroup();
      reset = await client.readReply(d.command_timeout_ms);
    } catch {
      return stale();
    }
    if (reset?.code !== 250) return stale();
    reuse.onReset();
  }
  const at = clock();
  const t = performance.now();
  let mail: SmtpReply;
  try {
    if (!reuse || !pipelining) writeGroup();
    mail = note(await client.readReply(d.command_timeout_ms));
  } catch (err) {
    const e = asNetworkError(err);
    record(phase('mail', at, t, null, { text: e.message, error: e.code }));
    return {
      definite: false,
      result: { definite: false, failure: { phase: 'mail', code: null, enhanced: null, text: e.message, error: e.code, ...where } },
      sawClose,
    };
  }
  if (unexpected(mail)) {
    record(phase('mail', at, t, mail, { error: EPROTOCOL, detail: { command: mailLine, pipelining } }));
    all({ phase: 'mail', code: mail.code, enhanced: null, text: mail.text, ...BROKEN });
    client.destroy();
    return { definite: true, result: { definite: true, verdicts }, sawClose: true };
  }
  record(phase('mail', at, t, mail, { detail: { command: mailLine, pipelining } }));
  if (mail.code < 200 || mail.code >= 300) {
    all({ phase: 'mail', code: mail.code, enhanced: mail.enhanced, text: mail.text });
    if (pipelining) {
      await drainReplies(client, job.recipients.length);
      sawClose ||= await refusedData(client);
    }
    return { definite: true, result: { definite: true, verdicts }, sawClose };
  }

  // --- RCPT, one reply per recipient, in order
  const accepted: DeliveryRecipient[] = [];
  /** Recipients over the server's limit per transaction. */
  const rest: DeliveryRecipient[] = [];
  for (const r of job.recipients) {
    const at2 = clock();
    const t2 = performance.now();
    try {
      if (!pipelining) client.write(rcptLine(r));
      const reply = note(await client.readReply(d.command_timeout_ms));
      if (unexpected(reply)) {
        record(phase('rcpt', at2, t2, reply, { recipientId: r.id, error: EPROTOCOL }), r);
        // The replies are out of step with the commands (a 354 here is usually DATA's): none after it is trusted.
        all({ phase: 'rcpt', code: reply.code, enhanced: null, text: reply.text, ...BROKEN });
        client.destroy();
        return { definite: true, result: { definite: true, verdicts }, sawClose: true };
      }
      const overflow = tooManyRecipients(reply);
      record(phase('rcpt', at2, t2, reply, { recipientId: r.id, ...(overflow ? { detail: { too_many_recipients: true } } : {}) }), r);
      if (reply.code >= 200 && reply.code < 300) accepted.push(r);
      else {
        // Over the server's recipients per transaction (RFC 5321 §4.5.3.1.10, a 552 too): not a refusal of
        // the address; sent in a transaction of its own below.
        verdicts.set(r.id, { phase: 'rcpt', code: reply.code, enhanced: reply.enhanced, text: reply.text, ...(overflow ? { temporary: true } : {}), ...where });
        if (overflow) rest.push(r);
      }
    } catch (err) {
      const e = asNetworkError(err);
      record(phase('rcpt', at2, t2, null, { recipientId: r.id, text: e.message, error: e.code }), r);
      all({ phase: 'rcpt', code: null, enhanced: null, text: e.message, error: e.code });
      return { definite: true, result: { definite: true, verdicts }, sawClose: true };
    }
  }
  if (!accepted.length) {
    if (pipelining) sawClose ||= await refusedData(client);
    return { definite: true, result: { definite: true, verdicts }, sawClose };
  }

  // --- DATA: the 354 (DATA already sent when pipelining), then the body, then the reply after the dot
  const at3 = clock();
  const t3 = performance.now();
  const ids = accepted.map((r) => r.id);
  let go: SmtpReply;
  try {
    go = note(pipelining ? await client.readReply(d.command_timeout_ms) : await client.command('DATA', d.command_timeout_ms));
  } catch (err) {
    const e = asNetworkError(err);
    record(phase('data', at3, t3, null, { text: e.message, error: e.code }));
    all({ phase: 'data', code: null, enhanced: null, text: e.message, error: e.code }, ids);
    return { definite: true, result: { definite: true, verdicts }, sawClose: true };
  }
  if (go.code !== 354) {
    // A 250 (or any code but 354, 4xx, 5xx) to DATA breaks the protocol: nothing was sent, so nothing was
    // delivered, and what the server expects next is unknown.
    const broken = unexpected(go, 'DATA');
    record(phase('data', at3, t3, go, broken ? { error: EPROTOCOL } : {}));
    all({ phase: 'data', code: go.code, enhanced: broken ? null : go.enhanced, text: go.text, ...(broken ? BROKEN : {}) }, ids);
    if (broken) client.destroy();
    return { definite: true, result: { definite: true, verdicts }, sawClose: sawClose || broken };
  }
  const intermediate = { code: go.code, text: go.text };
  if (job.stillClaimed && !job.stillClaimed()) {
    // The claims lapsed (this relay was frozen past its lease) or were taken: another relay may be sending
    // this message now. The connection is dropped without the body, so nothing is delivered from here.
    const text = 'the queue claim lapsed before the message was sent (this relay was paused past its lease); not sent, retried';
    record(phase('data', at3, t3, go, { error: ELEASELOST, text }));
    all({ phase: 'data', code: null, enhanced: null, text, error: ELEASELOST, temporary: true }, ids);
    client.destroy();
    return { definite: true, result: { definite: true, verdicts }, sawClose: true };
  }
  try {
    // Twice command_timeout_ms when unset, within what Node's timers can wait (2^31 − 1 ms, as the config allows).
    const finalMs = Math.min(d.data_done_timeout_ms ?? 2 * d.command_timeout_ms, 2 ** 31 - 1);
    const final = note(await client.sendData(job.raw, finalMs, d.command_timeout_ms));
    client.messages++;
    const broken = unexpected(final);
    record(phase('data', at3, t3, final, { ...(broken ? { error: EPROTOCOL } : {}), detail: { intermediate, bytes: job.raw.length } }));
    // One refusal after the dot that names some of the recipients (a server checking addresses only then):
    // it is about them; the others are sent again without them. One that names none of several recipients is
    // no verdict on any one address (each was accepted at RCPT), whatever its status says: EUNNAMED.
    let unnamed = false;
    if (!broken && final.code >= 500 && final.code < 600 && accepted.length > 1) {
      const named = namedIn(final.text, accepted);
      unnamed = named.length === 0;
      if (named.length > 0 && named.length < accepted.length) {
        for (const r of accepted) {
          if (!named.includes(r))
            verdicts.set(r.id, { phase: 'data', code: final.code, enhanced: final.enhanced, text: final.text, temporary: true, error: EOTHERRCPT, ...where });
        }
      }
    }
    // A reply after the dot that is no verdict (a 354, a 600): the server may have kept the message or not.
    all(
      {
        phase: 'data',
        code: final.code,
        enhanced: broken ? null : final.enhanced,
        text: final.text,
        ...(broken ? { ...BROKEN, afterBody: true } : {}),
        ...(unnamed ? { error: EUNNAMED } : {}),
      },
      ids,
    );
    if (broken) {
      client.destroy();
      sawClose = true;
    }
  } catch (err) {
    const e = asNetworkError(err);
    record(phase('data', at3, t3, null, { text: e.message, error: e.code, detail: { intermediate, bytes: job.raw.length } }));
    // Only a failure after the dot was handed over may have left the message delivered: one while the body
    // was still being sent (it stalled, the relay stopped) delivered nothing.
    all({ phase: 'data', code: null, enhanced: null, text: e.message, error: e.code, ...(client.dotSent ? { afterBody: true } : {}) }, ids);
    sawClose = true;
  }
  // The recipients over the limit, in the next transaction on the same connection. Each round sent to at
  // least one recipient, so the rounds end.
  if (rest.length > 0 && !sawClose && !client.closed) {
    const next = await transaction(ctx, client, { ...job, recipients: rest });
    if (next.result.definite) for (const [id, v] of next.result.verdicts) verdicts.set(id, v);
    sawClose ||= next.sawClose;
  }
  return { definite: true, result: { definite: true, verdicts }, sawClose };
}

/**
 * A server's limit of recipients per transaction (RFC 5321 §4.5.3.1.10: 452, or the older 552; status X.5.3,
 * "too many recipients"), not a rate limit of recipients per hour or a refusal of the address.
 */
export function tooManyRecipients(reply: { code: number | null; enhanced: string | null; text: string | null }): boolean {
  if (reply.code !== 452 && reply.code !== 552) return false;
  const text = reply.text ?? '';
  // A limit over time ("452 4.5.3 too many recipients this hour") is a rate limit, whatever its status.
  if (/\b(?:per|an?|this|each)\s+(?:hour|day|minute|second)|\b(?:hourly|daily)\b|\brate\b|\bquota\b/i.test(text)) return false;
  if (reply.enhanced === '4.5.3' || reply.enhanced === '5.5.3') return true;
  return /too many recipients/i.test(text);
}

/** The error of a reply the command does not allow (RFC 5321 §4.2.1, §4.3.2): the attempt is retried. */
export const EPROTOCOL = 'EPROTOCOL';
const BROKEN = { temporary: true, error: EPROTOCOL } as const;

/**
 * A reply that is no answer to the command: MAIL, RCPT and the message take 2xx, 4xx or 5xx; DATA takes 354,
 * 4xx or 5xx. (A 1xx, a 3xx where no 3xx belongs, a 6xx.)
 */
function unexpected(reply: SmtpReply, command?: 'DATA'): boolean {
  const c = Math.floor(reply.code / 100);
  if (c === 4 || c === 5) return false;
  return command === 'DATA' ? reply.code !== 354 : c !== 2;
}

/** The error of an attempt stopped before the message because its queue claims lapsed. */
export const ELEASELOST = 'ELEASELOST';

/** The error of a recipient whose message was refused for another recipient's sake (see namedIn). */
export const EOTHERRCPT = 'EOTHERRCPT';
/** A refusal after the dot for several recipients that names none of them: about no one address (classify). */
export const EUNNAMED = 'EUNNAMED';

/** The recipients whose address a reply names (as `<a@b>`, or bare between non-address characters). */
function namedIn(text: string, recipients: DeliveryRecipient[]): DeliveryRecipient[] {
  const lower = text.toLowerCase();
  return recipients.filter((r) => {
    const a = r.address.toLowerCase();
    for (let i = lower.indexOf(a); i >= 0; i = lower.indexOf(a, i + 1)) {
      const before = lower[i - 1];
      const after = lower[i + a.length];
      if ((before === undefined || !/[\w.+-]/.test(before)) && (after === undefined || !/[\w.-]/.test(after))) return true;
    }
    return false;
  });
}

/** Native and vectorised (node:buffer isAscii): a byte loop in JavaScript cost 26 µs per 4 KB message. */
function has8bit(raw: Buffer): boolean {
  return !isAscii(raw);
}

/**
 * The reply to a pipelined DATA after MAIL or every RCPT was refused. True when the session must not be
 * reused: the server went into DATA mode anyway (354), or did not answer; either way the connection is
 * dropped without the closing dot.
 */
async function refusedData(client: SmtpClient): Promise<boolean> {
  const reply = await client.readReply(5_000).catch(() => null);
  if (reply && reply.code !== 354 && reply.code !== 421) return false;
  client.destroy();
  return true;
}

async function drainReplies(client: SmtpClient, n: number): Promise<void> {
  // Pipelined RCPTs after a refused MAIL still get (503) replies; read them so a reused session stays in step.
  for (let i = 0; i < n; i++) await client.readReply(5_000).catch(() => undefined);
}
