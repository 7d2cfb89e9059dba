/**
 * The PROXY protocol header (HAProxy's proxy-protocol.txt) a load balancer sends before the first byte of
 * the client's stream, in either version, told apart by the first byte (a v1 line starts with `P`, a v2
 * header with CR):
 * - v1 (§2.1), a text line: `PROXY TCP4 <src> <dst> <sport> <dport>\r\n`, `PROXY TCP6 …`, or
 *   `PROXY UNKNOWN …\r\n` (the balancer's own connection, a health check: its addresses are to be ignored);
 * - v2 (§2.2), binary, what an AWS NLB sends (HAProxy: `send-proxy-v2`): a 12-byte signature, version and
 *   command, family and protocol, a 16-bit length, the addresses, then TLVs (skipped).
 *
 * Read only from peers the operator listed (src/listener/acceptor.ts): the line is not authenticated, so a
 * header from anyone else would let a client choose the address every per-address limit counts it under.
 *
 * Why not smtp-server's `useProxy`: it lives in smtp-server's own listener, which ours replaces (the acceptor
 * admits before a byte is read); it matches plain addresses only (no CIDR), waits for the header as long as
 * the idle timeout, takes 1024 bytes for a 107-byte line, and accepts `PROXY` without a protocol or address
 * (the session then keeps the balancer's address) and a TCP4 line carrying an IPv6 address.
 */
import net from 'node:net';

/** The longest v1 header, CRLF included (proxy-protocol.txt §2.1: "107 characters"). */
export const MAX_PROXY_V1_LINE = 107;

export type ProxyHeader =
  /** The client the balancer was connected from. */
  | { kind: 'proxied'; address: string; port: number }
  /**
   * v1 `PROXY UNKNOWN`, v2 `LOCAL` or the v2 `UNSPEC` family: the balancer's own connection (a health check);
   * the session keeps the peer's address.
   */
  | { kind: 'unknown' };

const PORT = /^(0|[1-9]\d{0,4})$/;

/** The header of one line (CRLF included), or why it is not one. */
export function parseProxyV1(line: Buffer): ProxyHeader | { problem: string } {
  const text = line.toString('latin1');
  if (!text.endsWith('\r\n')) return { problem: 'the PROXY line does not end with CRLF' };
  const parts = text.slice(0, -2).split(' ');
  if (parts[0] !== 'PROXY') return { problem: 'no PROXY header: the first line does not start with "PROXY "' };
  if (parts[1] === 'UNKNOWN') return { kind: 'unknown' };
  if (parts.length !== 6) return { problem: 'a PROXY line has six fields: PROXY TCP4|TCP6 source destination source-port destination-port' };
  const [, proto, src, dst, sport, dport] = parts;
  const family = proto === 'TCP4' ? 4 : proto === 'TCP6' ? 6 : 0;
  if (!family) return { problem: 'the PROXY protocol must be TCP4, TCP6 or UNKNOWN' };
  // A zone id (fe80::1%eth0) names an interface of the balancer: meaningless here, and text for logs.
  if (net.isIP(src) !== family || src.includes('%')) return { problem: `the PROXY source is not an ${proto === 'TCP4' ? 'IPv4' : 'IPv6'} address` };
  if (net.isIP(dst) !== family || dst.includes('%')) return { problem: `the PROXY destination is not an ${proto === 'TCP4' ? 'IPv4' : 'IPv6'} address` };
  if (!PORT.test(sport) || !PORT.test(dport) || Number(sport) > 65535 || Number(dport) > 65535)
    return { problem: 'a PROXY port is not a number from 0 to 65535' };
  // One text per address (RFC 5952 for IPv6), as the socket would give it: limits key on it, logs show it.
  const address = family === 4 ? src : new net.SocketAddress({ address: src, family: 'ipv6' }).address;
  return { kind: 'proxied', address, port: Number(sport) };
}

/** The 12 bytes every v2 header starts with (§2.2); no v1 line or SMTP command starts with CR. */
export const PROXY_V2_SIGNATURE = Buffer.from('\r\n\r\n\0\r\nQUIT\n', 'latin1');
/** Signature, version/command, family/protocol and the 16-bit length: what must be read to know the rest. */
export const PROXY_V2_FIXED = 16;
/**
 * The largest v2 length field accepted: the largest address block this reader takes (TCP over IPv6, 36 bytes)
 * plus 512 bytes of TLVs. That holds what balancers send in practice (AWS's 0xEA VPC endpoint id, about 30
 * bytes; Azure's 0xEE link id; HAProxy's ALPN, authority ≤ 255, unique id ≤ 128, SSL version and cipher),
 * while the bytes read before admission stay bounded as v1's 107 are: the connection holds only a place in
 * the total, so it must not make the reader buffer a 64 KiB header that the length field alone could claim.
 */
export const MAX_PROXY_V2_LENGTH = 36 + 512;

const V2_COMMAND_LOCAL = 0x0;
const V2_COMMAND_PROXY = 0x1;
/** Family/protocol bytes that carry a TCP client, and the size of their address block. */
const V2_TCP = new Map<number, { family: 4 | 6; block: number }>([
  [0x11, { family: 4, block: 12 }],
  [0x21, { family: 6, block: 36 }],
]);
const V2_REFUSED_FAMILY = new Map<number, string>([
  [0x12, 'UDP over IPv4'],
  [0x22, 'UDP over IPv6'],
  [0x31, 'a UNIX stream socket'],
  [0x32, 'a UNIX datagram socket'],
]);

/**
 * The total size of a v2 header from its first bytes (fewer than 16: null while they still match the
 * signature), or why it is not one. Checked before the addresses arrive, so a bad header is refused at once.
 */
export function proxyV2Length(first: Buffer): number | null | { problem: string } {
  const n = Math.min(first.length, PROXY_V2_SIGNATURE.length);
  if (!first.subarray(0, n).equals(PROXY_V2_SIGNATURE.subarray(0, n)))
    return { problem: 'no PROXY header: the first bytes are neither "PROXY " nor the v2 signature' };
  if (first.length < PROXY_V2_FIXED) return null;
  const verCmd = first[12];
  if (verCmd >> 4 !== 2) return { problem: `a PROXY v2 header with version ${verCmd >> 4}: only 2 is defined` };
  const command = verCmd & 0x0f;
  if (command !== V2_COMMAND_LOCAL && command !== V2_COMMAND_PROXY)
    return { problem: `a PROXY v2 header with command ${command}: only LOCAL (0) and PROXY (1) are defined` };
  const length = first.readUInt16BE(14);
  if (length > MAX_PROXY_V2_LENGTH) return { problem: `a PROXY v2 header of ${length} bytes after its first 16: at most ${MAX_PROXY_V2_LENGTH} are accepted` };
  return PROXY_V2_FIXED + length;
}

/** A whole v2 header (exactly its length, TLVs included), or why it is not one. */
export function parseProxyV2(header: Buffer): ProxyHeader | { problem: string } {
  const total = proxyV2Length(header);
  if (total === null || (typeof total === 'number' && header.length < total)) return { problem: 'the PROXY v2 header is truncated' };
  if (typeof total !== 'number') return total;
  // LOCAL: the balancer speaks for itself; the receiver must ignore the family and address block (§2.2).
  if ((header[12] & 0x0f) === V2_COMMAND_LOCAL) return { kind: 'unknown' };
  const famProto = header[13];
  // UNSPEC with PROXY: the balancer could not tell the client (v1's UNKNOWN); §2.2 lets it be accepted as the peer's own.
  if (famProto === 0x00) return { kind: 'unknown' };
  const tcp = V2_TCP.get(famProto);
  if (!tcp) {
    const what = V2_REFUSED_FAMILY.get(famProto) ?? `family/protocol 0x${famProto.toString(16).padStart(2, '0')}`;
    return { problem: `a PROXY v2 header for ${what}: only TCP over IPv4 or IPv6 is accepted` };
  }
  const length = total - PROXY_V2_FIXED;
  if (length < tcp.block) return { problem: `a PROXY v2 TCP over IPv${tcp.family} header needs ${tcp.block} address bytes, its length is ${length}` };
  // TLVs (after the address block, within the length) carry nothing a limit or a log line needs: skipped.
  const at = PROXY_V2_FIXED;
  if (tcp.family === 4) return { kind: 'proxied', address: header.subarray(at, at + 4).join('.'), port: header.readUInt16BE(at + 8) };
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(header.readUInt16BE(at + i).toString(16));
  // RFC 5952 text, as a v1 TCP6 source gets: one key per client for limits, one text in logs. An IPv4-mapped
  // source stays ::ffff:a.b.c.d here; the acceptor maps it to a.b.c.d for both versions, as it does for a
  // dual-stack socket, so an IPv4 client has one key whichever way the balancer's frontend was bound.
  const address = new net.SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
  return { kind: 'proxied', address, port: header.readUInt16BE(at + 32) };
}

export type ProxyOutcome =
  | { ok: true; header: ProxyHeader }
  /** `silent`: the peer closed without sending a byte (a balancer's TCP health check), not worth an info line. */
  | { ok: false; problem: string; silent: boolean };

/**
 * Reads the header (v1 or v2, by its first byte) off a socket that has not been read from yet, within
 * `timeoutMs` in all (a peer dripping a byte at a time gets no longer), and puts back whatever followed it
 * (the client's first bytes, a TLS ClientHello) for the session to read. Calls `done` once; the caller closes
 * the socket on a failure (and destroying the socket meanwhile ends the wait).
 */
export function readProxyHeader(socket: net.Socket, timeoutMs: number, done: (outcome: ProxyOutcome) => void): void {
  const chunks: Buffer[] = [];
  let length = 0;
  let version: 1 | 2 | 0 = 0;
  let finished = false;
  const finish = (outcome: ProxyOutcome) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.removeListener('readable', onReadable);
    socket.removeListener('end', onEnd);
    socket.removeListener('close', onEnd);
    done(outcome);
  };
  const refuse = (problem: string) => finish({ ok: false, problem, silent: false });
  const what = () => (version === 2 ? 'PROXY v2 header' : 'PROXY line');
  const onEnd = () => finish({ ok: false, problem: `the peer closed the connection before a full ${what()}`, silent: length === 0 });
  /** v1: up to the first LF, within 107 bytes; the rest of the chunk is put back. */
  const v1 = (chunk: Buffer): boolean => {
    const lf = chunk.indexOf(0x0a);
    const take = lf < 0 ? chunk.length : lf + 1;
    if (length + take > MAX_PROXY_V1_LINE) {
      refuse(`no PROXY line end within ${MAX_PROXY_V1_LINE} bytes`);
      return true;
    }
    chunks.push(chunk.subarray(0, take));
    length += take;
    if (lf < 0) return false;
    if (take < chunk.length) socket.unshift(chunk.subarray(take));
    const header = parseProxyV1(Buffer.concat(chunks, length));
    finish('problem' in header ? { ok: false, problem: header.problem, silent: false } : { ok: true, header });
    return true;
  };
  /** v2: the fixed 16 bytes tell the size (bounded); the rest of the last chunk is put back. */
  const v2 = (chunk: Buffer): boolean => {
    chunks.push(chunk);
    length += chunk.length;
    const buffered = chunks.length === 1 ? chunk : Buffer.concat(chunks, length);
    const total = proxyV2Length(buffered);
    if (total !== null && typeof total !== 'number') {
      refuse(total.problem);
      return true;
    }
    if (total === null || length < total) return false;
    if (length > total) socket.unshift(buffered.subarray(total));
    const header = parseProxyV2(buffered.subarray(0, total));
    finish('problem' in header ? { ok: false, problem: header.problem, silent: false } : { ok: true, header });
    return true;
  };
  const onReadable = () => {
    let chunk: Buffer | null;
    while (!finished && (chunk = socket.read() as Buffer | null) !== null) {
      if (chunk.length === 0) continue;
      if (!version) version = chunk[0] === PROXY_V2_SIGNATURE[0] ? 2 : 1;
      if (version === 2 ? v2(chunk) : v1(chunk)) return;
    }
  };
  const timer = setTimeout(() => refuse(`no complete ${what()} within ${timeoutMs / 1000} s`), timeoutMs);
  timer.unref();
  socket.on('readable', onReadable);
  socket.once('end', onEnd);
  socket.once('close', onEnd);
}
