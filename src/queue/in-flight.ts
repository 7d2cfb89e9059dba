/**
 * Writes still on their way to the database, per key, so that a later step can wait for them: a shared
 * destination slot given back is still counted by the database until its DELETE commits, and the next
 * taker of the same key would otherwise find its own finished connection or job still holding a slot.
 */
export class InFlight {
  private readonly byKey = new Map<string, Set<Promise<void>>>();

  /** Remembers `work` under `key` until it settles; resolves when it has (never rejects). */
  track(key: string, work: Promise<unknown>): Promise<void> {
    const done = work.then(
      () => {},
      () => {},
    );
    const set = this.byKey.get(key) ?? new Set<Promise<void>>();
    set.add(done);
    this.byKey.set(key, set);
    return done.finally(() => {
      set.delete(done);
      if (set.size === 0 && this.byKey.get(key) === set) this.byKey.delete(key);
    });
  }

  /** Resolves when everything tracked under `key` so far has settled. */
  async settled(key: string): Promise<void> {
    await Promise.all(this.byKey.get(key) ?? []);
  }
}
