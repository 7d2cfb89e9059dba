/**
 * The key a client is counted under by every per-address limit (connection slots, AUTH failures, HTTP
 * credential failures). An IPv4 client is one address. An IPv6 client is its prefix: one host or one
 * customer usually holds a whole /64 (often a /56 or /48), so counting single IPv6 addresses would let
 * it take a fresh "address" for every connection and make every per-address limit no limit.
 *
 * Keys are for counting only: replies and logs name the client's real address, and trusted networks
 * are matched against the real address too.
 */
/**
 * `192.0.2.7` → `192.0.2.7`; `::ffff:192.0.2.7` → `192.0.2.7` (an IPv4 client on a dual-stack socket);
 * `2001:db8:1:2:aa::7` → `2001:db8:1:2::/64` at prefix 64. Zone ids (`fe80::1%eth0`) are dropped. Anything
 * that is not an IP address (an empty remoteAddress after a reset) is its own key.
 */
export function clientKey(ip: string, ipv6Prefix: number): string {
  if (!ip.includes(':')) return ip; // IPv4 (the common case, kept cheap: it runs at every accept)
  const mapped = MAPPED.exec(ip); // how node writes an IPv4 client of a dual-stack socket
  if (mapped) return mapped[1];
  const groups = ipv6Groups(ip);
  if (!groups) return ip;
  if (isMappedV4(groups)) return `${groups[6] >> 8}.${groups[6] & 255}.${groups[7] >> 8}.${groups[7] & 255}`;
  return `${format(mask(groups, ipv6Prefix))}/${ipv6Prefix}`;
}

const MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/**
 * How a reply names the client of a per-address limit: its real address, and, when the limit counts its
 * IPv6 prefix rather than the address alone, that prefix, so a client told "too many" from a fresh
 * address can see why.
 */
export function describeClient(ip: string, ipv6Prefix: number): string {
  const key = clientKey(ip, ipv6Prefix);
  return key.includes('/') && ipv6Prefix < 128 ? `${ip} (counted per /${ipv6Prefix} prefix: ${key})` : ip;
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped, a dotted IPv4 tail read), or null. */
function ipv6Groups(text: string): number[] | null {
  const zone = text.indexOf('%');
  let head = zone < 0 ? text : text.slice(0, zone);
  const tail: number[] = [];
  const dotted = DOTTED_TAIL.exec(head);
  if (dotted) {
    const [a, b, c, d] = [dotted[2], dotted[3], dotted[4], dotted[5]].map(Number);
    if (a > 255 || b > 255 || c > 255 || d > 255) return null;
    tail.push((a << 8) | b, (c << 8) | d);
    head = head.slice(0, dotted.index + dotted[1].length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const gap = head.indexOf('::');
  if (gap >= 0 && head.indexOf('::', gap + 1) >= 0) return null;
  const left = hexGroups(gap < 0 ? head : head.slice(0, gap));
  const right = gap < 0 ? [] : hexGroups(head.slice(gap + 2));
  if (!left || !right) return null;
  const zeros = 8 - left.length - right.length - tail.length;
  if (gap < 0 ? zeros !== 0 : zeros < 1) return null;
  return [...left, ...new Array<number>(zeros).fill(0), ...right, ...tail];
}

const DOTTED_TAIL = /(^|:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

function hexGroups(part: string): number[] | null {
  if (part === '') return [];
  const out: number[] = [];
  for (const g of part.split(':')) {
    if (!HEX_GROUP.test(g)) return null;
    out.push(Number.parseInt(g, 16));
  }
  return out;
}

const isMappedV4 = (g: number[]) => g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff;

function mask(groups: number[], bits: number): number[] {
  return groups.map((g, i) => {
    const keep = Math.min(Math.max(bits - i * 16, 0), 16);
    return keep === 16 ? g : g & ((0xffff << (16 - keep)) & 0xffff);
  });
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
function format(groups: number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
