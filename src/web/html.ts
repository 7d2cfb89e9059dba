/**
 * HTML by tagged template, escaped by default. Everything the page shows from mail (headers, subjects,
 * addresses, SMTP replies, bounce texts) is written by strangers: every interpolated value is escaped
 * unless it is already `Html` made by this module, so forgetting to escape is not possible by accident.
 *
 *   html`<td>${reply.text}</td>`         → the text, escaped
 *   html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`
 *
 * URLs are never taken whole from data: they are built from our own paths with encodeURIComponent.
 */

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Part = Html | string | number | boolean | null | undefined | readonly Part[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
// Control characters other than tab and newline have no business in a page (and some break it): shown as U+FFFD.
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

// biome-ignore lint/suspicious/noShadowRestrictedNames: this module's HTML escape; the deprecated global escape() is never wanted here
export function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!).replace(CONTROL, '\uFFFD');
}

function render(v: Part): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escape(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** A path under /ui with its segments and query parameters encoded: `url('/ui/messages/', id, { back })`. */
export function url(path: string, ...rest: (string | number | Record<string, string | number | null | undefined>)[]): string {
  let out = path;
  let query = '';
  for (const r of rest) {
    if (typeof r === 'object') {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(r)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
      query = q.toString();
    } else out += encodeURIComponent(String(r));
  }
  return query ? `${out}?${query}` : out;
}
