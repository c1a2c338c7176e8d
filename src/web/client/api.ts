const token = document.querySelector<HTMLMetaElement>('meta[name="shipshape-token"]')?.content ?? '';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly suggestion: string | null,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

async function parse<T>(response: Response): Promise<T> {
  const type = response.headers.get('content-type') ?? '';
  const body = type.includes('json') ? ((await response.json()) as Record<string, unknown>) : { error: await response.text() };
  if (!response.ok) throw new ApiError(String(body.error ?? response.statusText), response.status, (body.suggestion as string | null) ?? null, body);
  return body as T;
}

export async function get<T>(url: string): Promise<T> {
  return parse<T>(await fetch(url, { headers: { 'x-shipshape-token': token } }));
}

/** Every request that changes something carries the token in its header. */
export async function post<T>(url: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<T> {
  const isText = typeof body === 'string';
  return parse<T>(
    await fetch(url, {
      method: 'POST',
      headers: { 'x-shipshape-token': token, 'content-type': isText ? 'application/json' : 'application/json', ...headers },
      body: isText ? body : JSON.stringify(body),
    }),
  );
}
