/**
 * The scheduler's two stop signals (cut the sessions; start no new transaction), read by every delivery
 * as an `AbortLike`: `aborted`, and abort listeners added and removed.
 *
 * Why not an AbortController's signal: each delivery adds its listeners to these two and removes them, and
 * Node's EventTarget keeps a removed listener linked to its neighbours. Once one of them has been promoted
 * (a delivery that lived through two scavenges), it points to the listener added after it, that one to the
 * next: every later delivery's listener, with the closure of its session and its job, then lives through
 * scavenges until a mark-compact. The delivery thread promoted 1.4–2.7 KB per message in some runs instead
 * of 0.9 (docs/benchmarks.md, 2026-12-05 06:25). Here the listeners sit in an array whose removed slot
 * takes the last entry. (A signal of its own per delivery was no way out: each AbortController made in
 * Node 20 was promoted, about 470 bytes apiece, listener or not.)
 */
import type { AbortLike } from '../delivery/types.js';

export class StopSignal implements AbortLike {
  private fired = false;
  private readonly listeners: (() => void)[] = [];

  get aborted(): boolean {
    return this.fired;
  }

  /** As an AbortSignal's: the same listener twice is one; every listener runs once at most. */
  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.fired || this.listeners.includes(listener)) return;
    this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.listeners.indexOf(listener);
    if (i < 0) return;
    const last = this.listeners.pop() as () => void;
    if (i < this.listeners.length) this.listeners[i] = last;
  }

  /** Runs every listener now, in the caller's turn, as AbortController.abort does; a throwing one stops none of the others. */
  abort(): void {
    if (this.fired) return;
    this.fired = true;
    let failure: unknown = null;
    for (const listener of this.listeners.splice(0)) {
      try {
        listener();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== null) throw failure;
  }
}
