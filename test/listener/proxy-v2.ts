/**
 * PROXY protocol v2 headers as a balancer writes them (HAProxy's proxy-protocol.txt §2.2), byte by byte,
 * for the tests: built here from the specification, not by the reader's own code.
 */
import net from 'node:net';

const SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

export interface V2Options {
  /** 0 LOCAL, 1 PROXY (default). */
  command?: number;
  /** Default: 0x11 (TCP over IPv4) or 0x21 (TCP over IPv6) from `src`; 0x00 (UNSPEC) without `src`. */
  famProto?: number;
  src?: string;
  dst?: string;
  sport?: number;
  dport?: number;
  /** Bytes after the address block, counted in the length. */
  tlvs?: Buffer;
}

function ipBytes(ip: string): Buffer {
  if (net.isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  const sa = new net.SocketAddress({ address: ip, family: 'ipv6' }).address;
  // Expand `::` and an embedded dotted quad into eight 16-bit groups.
  let text = sa;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad[1].split('.').map(Number);
    text = text.replace(quad[1], `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`);
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(Number.parseInt(g, 16), i * 2));
  return out;
}

export function proxyV2(o: V2Options = {}): Buffer {
  const command = o.command ?? 1;
  const famProto = o.famProto ?? (o.src === undefined ? 0x00 : net.isIPv4(o.src) ? 0x11 : 0x21);
  let block = Buffer.alloc(0);
  if (o.src !== undefined && o.dst !== undefined) {
    const ports = Buffer.alloc(4);
    ports.writeUInt16BE(o.sport ?? 0, 0);
    ports.writeUInt16BE(o.dport ?? 0, 2);
    block = Buffer.concat([ipBytes(o.src), ipBytes(o.dst), ports]);
  }
  const body = Buffer.concat([block, o.tlvs ?? Buffer.alloc(0)]);
  const fixed = Buffer.alloc(4);
  fixed[0] = 0x20 | command;
  fixed[1] = famProto;
  fixed.writeUInt16BE(body.length, 2);
  return Buffer.concat([SIGNATURE, fixed, body]);
}

/** One TLV: type, 16-bit length, value. */
export function tlv(type: number, value: Buffer): Buffer {
  const head = Buffer.alloc(3);
  head[0] = type;
  head.writeUInt16BE(value.length, 1);
  return Buffer.concat([head, value]);
}
