/**
 * How many times each value not yet shared has been written, for the event writers' question "would a
 * `texts` row for this value pay for itself?" (src/store/sqlite/event-rows.ts, src/store/postgres/event-rows.ts).
 *
 * Counted by a 53-bit fingerprint of the value, not by the value. Most values counted are written once and
 * never again (a received event's detail, a reply that names a queue id), and a count keyed by the value kept
 * every one of them alive until the count started again, 50,000 values later: tens of MB per thread, each value
 * copied by two scavenges and then promoted to the old generation, where only a mark-compact frees it (issue 18:
 * a scavenge's pause grows with what survives it, and each one delays the connections it falls on).
 * Two values with the same fingerprint only change when one of them gets its `texts` row (a sighting early or
 * late): what is stored and read back is the same value either way.
 */
export class Sightings {
  private counts = new Map<number, number>();

  /** @param limit fingerprints counted before the count starts again (bounds the memory, not correctness). */
  constructor(private readonly limit: number) {}

  /** Times the value with this fingerprint was noted since the count last started again (0: never). */
  get(key: number): number {
    return this.counts.get(key) ?? 0;
  }

  set(key: number, times: number): void {
    if (this.counts.size >= this.limit && !this.counts.has(key)) this.counts = new Map();
    this.counts.set(key, times);
  }

  delete(key: number): void {
    this.counts.delete(key);
  }
}

/**
 * A 53-bit fingerprint of a string: two 32-bit multiplicative hashes of its UTF-16 code units, each finished by
 * MurmurHash3's mixer, 32 bits of one and 21 of the other. Not cryptographic: the values are ours and the
 * clients' replies, and a collision only moves the sighting at which a value is shared (see Sightings).
 */
export function fingerprint(value: string): number {
  let a = 0x811c9dc5 ^ value.length;
  let b = 0x9747b28c;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (mix(a) >>> 0) * 0x200000 + (mix(b) >>> 11);
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
