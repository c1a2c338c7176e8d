import http from 'node:http';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A plain HTTP request with full control of Host and Origin (fetch would not let a test forge Host). */
export function request(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: { host: `127.0.0.1:${port}`, ...options.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

/** Reads a server-sent event stream to its end, parsed into messages. */
export async function readEvents(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; contentType: string; messages: SseMessage[] }> {
  const reply = await request(port, { path, headers });
  const messages: SseMessage[] = [];
  for (const block of reply.body.split(/\n\n/)) {
    const lines = block.split('\n').filter((line) => line && !line.startsWith(':'));
    if (lines.length === 0) continue;
    const field = (name: string) => lines.filter((line) => line.startsWith(`${name}:`)).map((line) => line.slice(name.length + 1).replace(/^ /, ''));
    messages.push({ id: field('id')[0] ?? null, event: field('event')[0] ?? 'message', data: field('data').join('\n') });
  }
  return { status: reply.status, contentType: String(reply.headers['content-type'] ?? ''), messages };
}
