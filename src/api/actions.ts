/**
 * What an operator may change, whatever face they use: retry or cancel a message, add or remove a
 * suppression, send a failed webhook again. The HTTP API and the web page (src/web) call these and only
 * these, so both change the same state in the same way and log the same line, naming who did it
 * (`token`) and through what (`via`). Retry and cancel also name them in the timeline events they write.
 */
import type { Logger } from '../log/logger.js';
import type { QueueControl } from '../queue/control.js';
import type { OperatorRef, SuppressionRecord, WebhookDeliveryRecord, WebhookStore } from '../store/store.js';
import type { SuppressionList } from '../suppression/list.js';
import type { RecipientRecord } from '../types.js';

/** State changes belong to the queue (src/queue/control.ts): the faces ask, the queue acts. */
export type { QueueControl } from '../queue/control.js';
/** The suppression list with its addressing rule (src/suppression/list.ts). */
export type SuppressionControl = Pick<SuppressionList, 'list' | 'add' | 'remove'>;

/** Who acts: the token's name, the face, and the logger of the request (its lines keep their request id). */
export interface Actor extends OperatorRef {
  log?: Logger;
}

/** Done, or refused with the HTTP status and the sentence to show. */
export type ActionResult<T> = { ok: true; value: T } | { ok: false; status: 404 | 409; error: string };

export interface OperatorActions {
  retry(queueId: string, actor: Actor): Promise<ActionResult<RecipientRecord[]>>;
  cancel(queueId: string, actor: Actor): Promise<ActionResult<RecipientRecord[]>>;
  addSuppression(address: string, reason: string, actor: Actor): Promise<{ created: boolean; suppression: SuppressionRecord }>;
  removeSuppression(address: string, actor: Actor): Promise<ActionResult<null>>;
  resendWebhook(id: number, actor: Actor): Promise<ActionResult<WebhookDeliveryRecord>>;
}

export interface ActionDeps {
  queueControl: QueueControl;
  suppressions: SuppressionControl;
  webhooks: Pick<WebhookStore, 'retry'>;
  logger: Logger;
  now?: () => number;
}

export function createOperatorActions(deps: ActionDeps): OperatorActions {
  const now = deps.now ?? Date.now;
  const log = (a: Actor) => a.log ?? deps.logger;
  const who = (a: Actor) => ({ token: a.by, via: a.via });

  async function onMessage(action: 'retry' | 'cancel', queueId: string, actor: Actor): Promise<ActionResult<RecipientRecord[]>> {
    const result = await deps.queueControl[action](queueId, { by: actor.by, via: actor.via });
    if (!result.found) return { ok: false, status: 404, error: `no message with queue id "${queueId}"` };
    if (result.changed.length === 0) {
      return {
        ok: false,
        status: 409,
        error:
          action === 'retry'
            ? 'nothing to retry: no recipient of this message is queued or deferred'
            : 'nothing to cancel: every recipient is final or being delivered right now',
      };
    }
    log(actor).info(
      { event: action === 'retry' ? 'message.requeued' : 'message.cancelled', queue_id: queueId, recipients: result.changed.length, ...who(actor) },
      `operator ${action}`,
    );
    return { ok: true, value: result.changed };
  }

  return {
    retry: (queueId, actor) => onMessage('retry', queueId, actor),
    cancel: (queueId, actor) => onMessage('cancel', queueId, actor),
    async addSuppression(address, reason, actor) {
      const added = await deps.suppressions.add(address, reason);
      log(actor).info({ event: 'suppression.added', recipient: added.suppression.address, created: added.created, ...who(actor) }, 'suppression added');
      return added;
    },
    async removeSuppression(address, actor) {
      if (!(await deps.suppressions.remove(address))) return { ok: false, status: 404, error: `${address} is not on the suppression list` };
      log(actor).info({ event: 'suppression.removed', recipient: address, ...who(actor) }, 'suppression removed');
      return { ok: true, value: null };
    },
    async resendWebhook(id, actor) {
      const result = await deps.webhooks.retry(id, now());
      if (!result) return { ok: false, status: 404, error: `no webhook delivery with id ${id}` };
      const d = result.delivery;
      if (!result.changed) {
        return {
          ok: false,
          status: 409,
          error:
            d.state === 'delivered'
              ? `webhook delivery ${id} was delivered; nothing to resend`
              : `webhook delivery ${id} is still pending: the relay sends it when due`,
        };
      }
      log(actor).info(
        { event: 'webhook.resent', outbox_id: d.id, endpoint: d.endpoint, type: d.type, event_id: d.eventId, ...who(actor) },
        `webhook delivery ${d.id} is pending again`,
      );
      return { ok: true, value: d };
    },
  };
}
