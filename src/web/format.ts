/** Small pieces the pages share: times, sizes, state badges, the reply of an event. */
import { replyLine } from '../classify/reply-line.js';
import { html, type Html } from './html.js';

/** `<time>` in UTC, readable: `2024-05-01 10:02:03 UTC`. */
export function time(at: string | number | null): Html {
  if (at === null) return html`—`;
  const iso = typeof at === 'number' ? new Date(at).toISOString() : at;
  return html`<time datetime="${iso}">${iso.slice(0, 19).replace('T', ' ')} UTC</time>`;
}

export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The state as a word in a coloured badge: the colour helps, the word carries the meaning. */
export function badge(state: string): Html {
  return html`<span class="state state-${state.replace(/[^a-z-]/g, '')}">${state}</span>`;
}

/** The reply of an event or recipient on one line, codes once (the same words as the trace). */
export function reply(e: { code: number | null; enhanced: string | null; text: string | null }, join: string | null = ' / '): string {
  return replyLine(e, { join });
}

/** The first letter capitalised, for a verdict that starts a sentence on the page; never an address's ("Ann@…"). */
export const sentence = (s: string) => (/^\S*@/.test(s) ? s : s.charAt(0).toUpperCase() + s.slice(1));

export function percent(rate: number | null): string {
  if (rate === null) return '—';
  return `${(rate * 100).toFixed(rate < 0.01 && rate > 0 ? 2 : 1)} %`;
}
