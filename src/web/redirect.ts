/** Where a form may send the browser afterwards: only a page of ours (an open redirect would help phishing). */
export function safeNext(next: unknown, fallback = '/ui/messages'): string {
  return typeof next === 'string' && /^\/ui\/[^\s\\]*$/.test(next) && !next.startsWith('/ui/login') ? next : fallback;
}

/** `path` with a notice code (src/web/notices.ts) added to its query string. */
export function withNotice(path: string, notice: Record<string, string | number>): string {
  const [base, query = ''] = path.split('?', 2);
  const q = new URLSearchParams(query);
  for (const k of ['done', 'error', 'n']) q.delete(k);
  for (const [k, v] of Object.entries(notice)) q.set(k, String(v));
  return `${base}?${q.toString()}`;
}
