/**
 * Checks on the DATA bytes as they stream in (after smtp-server removed dot-stuffing): the longest
 * line, and how many bare CR or LF there are. smtp-server itself ends DATA only on CRLF.CRLF, so
 * `\n.\r\n`, `\r.\r\n`, `\n.\n` and `\r.\r` are content; intake then rewrites every bare CR or LF
 * to CRLF, so the stored message cannot smuggle either.
 */

const CR = 0x0d;
const LF = 0x0a;

export class DataLineCheck {
  private current = 0;
  longest = 0;
  bare = 0;
  private pendingCr = false;

  /** @param maxLine octets allowed per line, line ending excluded (RFC 5322 §2.1.1: 998). */
  constructor(private readonly maxLine: number) {}

  get tooLong(): boolean {
    return this.longest > this.maxLine;
  }

  feed(chunk: Buffer): void {
    let current = this.current;
    let longest = this.longest;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.pendingCr) {
        this.pendingCr = false;
        if (c === LF) continue;
        this.bare++; // the CR before was alone
      }
      if (c === CR) {
        // Whether it is bare depends on the next byte, which may be in the next chunk.
        this.pendingCr = true;
        current = 0;
      } else if (c === LF) {
        this.bare++;
        current = 0;
      } else if (++current > longest) longest = current;
    }
    this.current = current;
    this.longest = longest;
  }

  end(): void {
    if (this.pendingCr) this.bare++;
    this.pendingCr = false;
  }
}
