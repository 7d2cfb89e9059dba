/**
 * Bytes appended as they arrive, kept in one buffer that doubles when full.
 *
 * Collecting chunks and joining them at the end copies a whole large mail in one turn of the event loop
 * (7 MB: tens of milliseconds on a busy machine, page faults included), exactly when the last byte
 * arrived and the reply is due. Doubling spreads the copies over the turns that received the bytes, and
 * `bytes()` at the end is a view, not a copy.
 */
export class GrowingBuffer {
  private buf: Buffer;
  private used = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.used;
  }

  append(chunk: Buffer): void {
    if (this.used + chunk.length > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + chunk.length));
      this.buf.copy(next, 0, 0, this.used);
      this.buf = next;
    }
    chunk.copy(this.buf, this.used);
    this.used += chunk.length;
  }

  /** The bytes appended so far (a view: appending more afterwards may or may not show in it). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.used);
  }
}
