/**
 * The PROXY protocol v1 header (HAProxy's proxy-protocol.txt §2.1) a load balancer sends before the first
 * byte of the client's stream: `PROXY TCP4 <src> <dst> <sport> <dport>\r\n`, `PROXY TCP6 …`, or
 * `PROXY UNKNOWN …\r\n` (the balancer's own connection, a health check: its addresses are to be ignored).
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

/** The first bytes of a v2 (binary) header (§2.2), for a refusal that says what to change. */
const V2_SIGNATURE = Buffer.from('\r\n\r\n\0\r\nQUIT\n', 'latin1');
const V2_PROBLEM = 'a PROXY protocol v2 (binary) header: only v1 is read; make the balancer send v1 (HAProxy: send-proxy, not send-proxy-v2)';

/** Whether the first bytes a peer sent start like a v2 header (five bytes are enough: no v1 line starts with CR LF CR). */
export function looksLikeV2(first: Buffer): boolean {
  const n = Math.min(first.length, V2_SIGNATURE.length);
  return n >= 5 && first.subarray(0, n).equals(V2_SIGNATURE.subarray(0, n));
}

export type ProxyHeader =
  /** The client the balancer was connected from. */
  | { kind: 'proxied'; address: string; port: number }
  /** `PROXY UNKNOWN`: the balancer's own connection (a health check); the session keeps the peer's address. */
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

export type ProxyOutcome =
  | { ok: true; header: ProxyHeader }
  /** `silent`: the peer closed without sending a byte (a balancer's TCP health check), not worth an info line. */
  | { ok: false; problem: string; silent: boolean };

/**
 * Reads the header off a socket that has not been read from yet, within `timeoutMs` in all (a peer dripping
 * a byte at a time gets no longer), and puts back whatever followed it (the client's first bytes, a TLS
 * ClientHello) for the session to read. Calls `done` once; the caller closes the socket on a failure (and
 * destroying the socket meanwhile ends the wait).
 */
export function readProxyHeader(socket: net.Socket, timeoutMs: number, done: (outcome: ProxyOutcome) => void): void {
  const chunks: Buffer[] = [];
  let length = 0;
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
  const onEnd = () => finish({ ok: false, problem: 'the peer closed the connection before a full PROXY line', silent: length === 0 });
  const onReadable = () => {
    let chunk: Buffer | null;
    while (!finished && (chunk = socket.read() as Buffer | null) !== null) {
      if (length === 0 && looksLikeV2(chunk)) return finish({ ok: false, problem: V2_PROBLEM, silent: false });
      const lf = chunk.indexOf(0x0a);
      const take = lf < 0 ? chunk.length : lf + 1;
      if (length + take > MAX_PROXY_V1_LINE) return finish({ ok: false, problem: `no PROXY line end within ${MAX_PROXY_V1_LINE} bytes`, silent: false });
      chunks.push(chunk.subarray(0, take));
      length += take;
      if (lf < 0) continue;
      if (take < chunk.length) socket.unshift(chunk.subarray(take));
      const header = parseProxyV1(Buffer.concat(chunks, length));
      return finish('problem' in header ? { ok: false, problem: header.problem, silent: false } : { ok: true, header });
    }
  };
  const timer = setTimeout(() => finish({ ok: false, problem: `no complete PROXY line within ${timeoutMs / 1000} s`, silent: false }), timeoutMs);
  timer.unref();
  socket.on('readable', onReadable);
  socket.once('end', onEnd);
  socket.once('close', onEnd);
}
