// The page's calls to its server: JSON with the page token (state changes need it), and server-sent event streams.

/** The token the server put in the page (new on every server start). */
export const PAGE_TOKEN = document.querySelector('meta[name="porin-token"]')?.getAttribute('content') ?? '';

export class ApiFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

async function parse<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiFailure(
      'PORIN_ERR_PROTOCOL',
      `the server sent something that is not JSON (HTTP ${res.status})`,
      res.status,
    );
  }
  if (!res.ok) {
    const e = (body as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    throw new ApiFailure(
      e?.code ?? 'PORIN_ERR_HTTP',
      e?.message ?? `HTTP ${res.status}`,
      res.status,
      e?.details,
    );
  }
  return body as T;
}

export async function apiGet<T>(path: string, signal?: AbortSignal): Promise<T> {
  return parse<T>(
    await fetch(path, { headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) }),
  );
}

export async function apiPost<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return parse<T>(
    await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-porin-token': PAGE_TOKEN },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    }),
  );
}

/** Opens an event stream; returns the function that closes it. EventSource reconnects by itself. */
export function openEvents(
  path: string,
  handlers: Record<string, (data: unknown) => void>,
  onState?: (open: boolean) => void,
): () => void {
  const es = new EventSource(path);
  for (const [name, fn] of Object.entries(handlers)) {
    es.addEventListener(name, (ev) => {
      try {
        fn(JSON.parse((ev as MessageEvent<string>).data));
      } catch {
        // a malformed event is skipped
      }
    });
  }
  es.onopen = () => onState?.(true);
  es.onerror = () => onState?.(false);
  return () => es.close();
}

export function describeError(e: unknown): string {
  if (e instanceof ApiFailure) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
