/**
 * A domain name given on the command line, as the store and the DNS read it: the A-label of a U-label
 * (bücher.de → xn--bcher-kva.de), lower case, without the root's dot. Null when it is no domain name: a
 * label longer than 63 octets or the whole over 253 (RFC 1035 §2.3.4), one label only, or an IPv4 address
 * (a last label of digits is no top-level domain).
 */
import { domainToASCII } from 'node:url';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function domainArg(value: string): string | null {
  const trimmed = value.trim().replace(/\.$/, '');
  const d = (domainToASCII(trimmed) || trimmed).toLowerCase();
  const labels = d.split('.');
  if (d.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^\d+$/.test(labels.at(-1)!)) return null;
  return d;
}
