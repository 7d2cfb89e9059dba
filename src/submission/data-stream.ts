/**
 * Checks on the DATA bytes as they stream in (after smtp-server removed dot-stuffing): the longest
 * line, the size of the header block (up to the first empty line, whatever ends it), how many bare
 * CR or LF there are, and whether a NUL octet came. smtp-server itself ends DATA only on CRLF.CRLF, so
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
  /** Bytes fed before the current chunk. */
  private seen = 0;
  /** Offset of the empty line that ends the header block; -1 while none has come. */
  private headerEnd = -1;
  /** A NUL octet came: no mail may carry one (RFC 5322 §2.3, RFC 2045 §2.8, RFC 6152 for 8BITMIME). */
  nul = false;

  /**
   * @param maxLine octets allowed per line, line ending excluded (RFC 5322 §2.1.1: 998).
   * @param maxHeader octets allowed before the empty line that ends the header block.
   */
  constructor(
    private readonly maxLine: number,
    private readonly maxHeader = Number.POSITIVE_INFINITY,
  ) {}

  get tooLong(): boolean {
    return this.longest > this.maxLine;
  }

  /** The header block (everything, while no empty line has come) is over maxHeader octets. */
  get headerTooLarge(): boolean {
    return (this.headerEnd === -1 ? this.seen : this.headerEnd) > this.maxHeader;
  }

  /**
   * Jumps from line end to line end with indexOf (memchr) rather than looking at every byte: a 4 KB
   * message has about 60 of them, and the byte loop was about 30 us of a submission's CPU.
   */
  feed(chunk: Buffer): void {
    if (!this.nul && chunk.indexOf(0) >= 0) this.nul = true;
    const len = chunk.length;
    let pos = 0;
    if (this.pendingCr) {
      if (len === 0) return;
      this.pendingCr = false;
      if (chunk[0] === LF) pos = 1;
      else this.bare++; // the CR before was alone
    }
    let current = this.current;
    let longest = this.longest;
    let cr = chunk.indexOf(CR, pos);
    let lf = chunk.indexOf(LF, pos);
    while (cr >= 0 || lf >= 0) {
      const end = cr >= 0 && (lf < 0 || cr < lf) ? cr : lf;
      current += end - pos;
      if (current > longest) longest = current;
      if (current === 0 && this.headerEnd === -1) this.headerEnd = this.seen + end;
      current = 0;
      if (end === lf) {
        this.bare++; // an LF after a CR was taken with that CR below
        pos = end + 1;
      } else if (end + 1 === len) {
        // Whether this CR is bare depends on the next byte, which is in the next chunk.
        this.pendingCr = true;
        pos = len;
      } else if (chunk[end + 1] === LF) {
        pos = end + 2;
      } else {
        this.bare++;
        pos = end + 1;
      }
      if (cr >= 0 && cr < pos) cr = chunk.indexOf(CR, pos);
      if (lf >= 0 && lf < pos) lf = chunk.indexOf(LF, pos);
    }
    current += len - pos;
    if (current > longest) longest = current;
    this.current = current;
    this.longest = longest;
    this.seen += len;
  }

  end(): void {
    if (this.pendingCr) this.bare++;
    this.pendingCr = false;
  }
}
