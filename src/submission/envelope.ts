/**
 * Envelope checks smtp-server does not make: unknown MAIL/RCPT parameters (it accepts any), control
 * characters anywhere in the command line, xtext syntax and length of ENVID/ORCPT, and whether an
 * authenticated user may use a sender address. Address syntax itself is smtp-server's (501 5.1.7
 * for the sender, 501 5.1.3 for recipients).
 */
import { isUtf8 } from 'node:buffer';
import { domainToASCII } from 'node:url';
import type { Refusal } from '../listener/session-guard.js';

export type { Refusal };

/** RFC 5321 §4.1.1.11 parameters we implement, with the RFC that brings each. */
const MAIL_PARAMS = new Set(['SIZE', 'BODY', 'SMTPUTF8', 'RET', 'ENVID', 'AUTH']); // 1870, 6152, 6531, 3461, 3461, 4954
const RCPT_PARAMS = new Set(['NOTIFY', 'ORCPT']); // 3461

// RFC 3461 §4: xtext is printable ASCII except "+" and "=", which are hex-escaped as +XX.
const XTEXT = /^(?:[\x21-\x2a\x2c-\x3c\x3e-\x7e]|\+[0-9A-F]{2})*$/;
const CONTROL = /[\x00-\x1f\x7f]/;

function refuse(code: number, enhanced: string, text: string, reason: string): Refusal {
  return { code, enhanced, text, reason };
}

/**
 * Checks a MAIL FROM or RCPT TO line (its bytes as latin1) before smtp-server parses it; null when it may go
 * on. `smtputf8`: for RCPT, whether the transaction's MAIL FROM carried SMTPUTF8.
 */
export function checkAddressCommand(kind: 'MAIL' | 'RCPT', line: string, smtputf8 = false): Refusal | null {
  const addressCode = kind === 'MAIL' ? '5.1.7' : '5.1.3';
  const verb = kind === 'MAIL' ? 'MAIL FROM' : 'RCPT TO';
  if (CONTROL.test(line)) {
    return refuse(501, addressCode, `control characters are not allowed in ${verb}`, 'bad-address');
  }
  const colon = line.indexOf(':');
  if (colon < 0) return null; // smtp-server answers the syntax error
  const [, ...params] = splitPath(line.slice(colon + 1).trim());
  const known = kind === 'MAIL' ? MAIL_PARAMS : RCPT_PARAMS;
  for (const param of params) {
    if (!param) continue;
    const eq = param.indexOf('=');
    const key = (eq < 0 ? param : param.slice(0, eq)).toUpperCase();
    const value = eq < 0 ? null : param.slice(eq + 1);
    if (!known.has(key)) {
      return refuse(555, '5.5.4', `unsupported ${kind} parameter ${key.slice(0, 40)}; supported: ${[...known].join(' ')}`, 'unknown-parameter');
    }
    if ((key === 'ENVID' || key === 'ORCPT' || key === 'AUTH') && value !== null) {
      if (!XTEXT.test(value))
        return refuse(501, '5.5.4', `${key} must be xtext (RFC 3461 section 4): printable ASCII with + and = written as +2B and +3D`, 'bad-parameter');
      const decoded = value.replace(/\+([0-9A-F]{2})/g, '_').length;
      // RFC 3461 §4.4: ENVID at most 100 characters; §4.2 bounds ORCPT by the line, we keep it sane.
      const max = key === 'ENVID' ? 100 : 500;
      if (decoded > max) return refuse(501, '5.5.4', `${key} is longer than ${max} characters`, 'bad-parameter');
    }
    if (key === 'RET' && value !== null && !/^(FULL|HDRS)$/i.test(value)) {
      return refuse(501, '5.5.4', 'RET must be FULL or HDRS (RFC 3461 section 4.3)', 'bad-parameter');
    }
    if (key === 'SMTPUTF8') smtputf8 = true;
  }
  // Bytes past ASCII: UTF-8, nothing else (read as UTF-8 they would become U+FFFD, and the mail would go to
  // a mailbox nobody named). A non-ASCII local part only in an SMTPUTF8 transaction (RFC 6531): nothing else
  // can carry it on. A non-ASCII domain is taken and stored as its A-label, which every hop can read.
  if (/[\x80-\xff]/.test(line)) {
    if (!isUtf8(Buffer.from(line, 'latin1')))
      return refuse(501, addressCode, `${verb} holds bytes that are not UTF-8: an address is ASCII, or UTF-8 with SMTPUTF8 (RFC 6531)`, 'bad-address');
    const path = splitPath(line.slice(colon + 1).trim())[0] ?? '';
    const local = path.slice(0, Math.max(path.lastIndexOf('@'), 0));
    if (!smtputf8 && /[\x80-\xff]/.test(local))
      return refuse(553, '5.6.7', `a non-ASCII local part needs SMTPUTF8 on MAIL FROM (RFC 6531 section 3.4)`, 'bad-address');
  }
  return null;
}

/**
 * The path and the parameters after it: the path ends at the `>` outside a quoted local part (`<"a b"@x>`
 * holds a space), else at the first space.
 */
function splitPath(rest: string): string[] {
  if (!rest.startsWith('<')) return rest.split(/ +/);
  let quoted = false;
  for (let i = 1; i < rest.length; i++) {
    const c = rest[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === '>' && !quoted)
      return [
        rest.slice(0, i + 1),
        ...rest
          .slice(i + 1)
          .trim()
          .split(/ +/)
          .filter(Boolean),
      ];
  }
  return rest.split(/ +/);
}

/** The ASCII, lower-cased domain of an address (smtp-server hands IDNs over in Unicode). */
export function addressDomain(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return '';
  const domain = address.slice(at + 1);
  return (domainToASCII(domain) || domain).toLowerCase();
}

/** An address with its domain as ASCII (an A-label), for replies; an undecodable domain stays as given. */
export function asciiAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return address;
  const domain = address.slice(at + 1);
  return `${address.slice(0, at + 1)}${domainToASCII(domain) || domain}`;
}

/**
 * May a user with these sender domains use this envelope sender? Exact domain match (a subdomain
 * must be listed itself); `*` allows any sender, including the null sender `<>`.
 */
export function senderAllowed(address: string, senderDomains: string[]): boolean {
  if (senderDomains.includes('*')) return true;
  if (address === '') return false;
  const domain = addressDomain(address);
  return senderDomains.some((d) => d.toLowerCase() === domain);
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Can we route to this recipient's domain? smtp-server's syntax check lets through labels with
 * leading or trailing hyphens, undecodable bytes and dotless names; none can be delivered to.
 * IP literals ([192.0.2.1]) pass: smtp-server validated them.
 */
export function routableDomain(address: string): boolean {
  const at = address.lastIndexOf('@');
  if (at < 0) return false;
  const given = address.slice(at + 1);
  if (given.startsWith('[')) return true;
  const ascii = domainToASCII(given).toLowerCase();
  if (!ascii || ascii.length > 253) return false;
  const labels = ascii.split('.');
  return labels.length >= 2 && labels.every((l) => LABEL.test(l));
}
