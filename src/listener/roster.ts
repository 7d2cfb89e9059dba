/**
 * The sessions open on a listener, by session id: get, set, delete, size, iteration, as a Map has them.
 *
 * Why not a Map or Set of the sessions: V8 rebuilds such a table every few additions while entries come and
 * go (one connection per message), and the table it leaves behind still points to every session that was
 * open at that moment. Once those tables are in the old generation (the relay's are, from its first idle
 * seconds on), every scavenge takes whatever they point to for alive: nearly every connection (its socket,
 * streams, smtp-server's session, our closures) survived two scavenges, was promoted, and waited for the next
 * mark-compact (docs/benchmarks.md, 2026-12-05 03:20). Here the hash table maps ids to positions only (what
 * an abandoned one keeps is a few short strings); the sessions sit in an array that reuses its slots (the
 * last one moves into the hole) and reallocates only to grow past its largest size so far.
 */
export class Roster<V> {
  private readonly at = new Map<string, number>();
  private readonly ids: string[] = [];
  private readonly items: V[] = [];

  get size(): number {
    return this.items.length;
  }

  get(id: string): V | undefined {
    const i = this.at.get(id);
    return i === undefined ? undefined : this.items[i];
  }

  has(id: string): boolean {
    return this.at.has(id);
  }

  set(id: string, value: V): this {
    const i = this.at.get(id);
    if (i !== undefined) {
      this.items[i] = value;
      return this;
    }
    this.at.set(id, this.items.length);
    this.ids.push(id);
    this.items.push(value);
    return this;
  }

  delete(id: string): boolean {
    const i = this.at.get(id);
    if (i === undefined) return false;
    this.at.delete(id);
    const lastId = this.ids.pop() as string;
    const last = this.items.pop() as V;
    if (i < this.items.length) {
      this.ids[i] = lastId;
      this.items[i] = last;
      this.at.set(lastId, i);
    }
    return true;
  }

  /** A snapshot: deleting while iterating (closing every session) skips none. */
  values(): IterableIterator<V> {
    return this.items.slice().values();
  }
}
