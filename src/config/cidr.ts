/** CIDR notation, checked where config is validated and parsed where limits are applied. */
import { isIP } from 'node:net';

/** Why `cidr` is not an address or address/prefix-length, or null when it is one. */
export function cidrProblem(cidr: string): string | null {
  const [address, bits, extra] = cidr.split('/');
  const family = isIP(address);
  const max = family === 6 ? 128 : 32;
  if (!family || extra !== undefined || (bits !== undefined && !/^\d{1,3}$/.test(bits)) || Number(bits ?? 0) > max) {
    return `${JSON.stringify(cidr)} is not an IP address or CIDR block such as 10.0.0.0/8 or 2001:db8::/32`;
  }
  return null;
}
