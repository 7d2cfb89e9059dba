/**
 * One line for a whole message: what a support person says first when a message had several recipients
 * ("5 recipients: 2 delivered, 2 bounced, 1 deferred"); for one recipient, its verdict. The trace and the
 * web page start with it.
 */
import type { RecipientState } from '../types.js';

export function recipientSummary(recipients: { address: string; state: RecipientState; verdict: string }[]): string {
  if (recipients.length === 0) return 'no recipients';
  if (recipients.length === 1) return `${recipients[0].address}: ${recipients[0].verdict}`;
  const counts = new Map<RecipientState, number>();
  for (const r of recipients) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  if (counts.size === 1) return `${recipients.length} recipients: all ${recipients[0].state}`;
  // The states that need attention first: failures, then what is still waiting, then the rest.
  const order: readonly RecipientState[] = ['bounced', 'expired', 'deferred', 'queued', 'suppressed', 'cancelled', 'delivered'];
  const parts = order.filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${s}`);
  return `${recipients.length} recipients: ${parts.join(', ')}`;
}
