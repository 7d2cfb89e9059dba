/** Where a form may send the browser afterwards: only a page of ours (an open redirect would help phishing). */
export function safeNext(next: unknown, fallback = '/ui/messages'): string {
  if (typeof next !== 'string' || !/^\/ui\/[^\s\\\x00-\x1f\x7f]*$/.test(next) || next.startsWith('/ui/login')) return fallback;
  // Dot segments, plain or percent-encoded, would leave /ui/ once the browser resolves them (/ui/../v1/queue).
  const path = next.split(/[?#]/, 1)[0]!;
  if (/(^|\/)(?:\.|%2e){1,2}(?:\/|$)/i.test(path)) return fallback;
  // A Location header is Latin-1 at most (Node refuses anything above): characters beyond ASCII, as in a
  // search for a non-ASCII subject, go percent-encoded; a lone surrogate cannot be, so it falls back.
  try {
    return next.replace(/[^\x00-\x7f]+/g, (run) => encodeURIComponent(run));
  } catch {
    return fallback;
  }
}

/** `path` with a notice code (src/web/notices.ts) added to its query string. */
export function withNotice(path: string, notice: Record<string, string | number>): string {
  const [base, query = ''] = path.split('?', 2);
  const q = new URLSearchParams(query);
  for (const k of ['done', 'error', 'n']) q.delete(k);
  for (const [k, v] of Object.entries(notice)) q.set(k, String(v));
  return `${base}?${q.toString()}`;
}
