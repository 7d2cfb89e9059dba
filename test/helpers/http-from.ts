/** An HTTP request from a chosen client address (fetch cannot pick one): status, headers and body. */
import http from 'node:http';

export interface FromResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

export function requestFrom(
  url: string,
  opts: { localAddress?: string; method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<FromResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: opts.method ?? 'GET', headers: { connection: 'close', ...opts.headers }, localAddress: opts.localAddress, timeout: 5000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let json: unknown = null;
          try {
            json = text ? JSON.parse(text) : null;
          } catch {
            /* a page, not JSON */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within 5 s`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}
