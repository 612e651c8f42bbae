/** Browser-side calls to the vault's HTTP API (same origin; the session cookie rides along). */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; code: string; status: number };

export async function callApi<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<ApiResult<T>> {
  try {
    const res = await fetch(`/api${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
    if (res.status === 204) return { ok: true, data: undefined as T };
    const json: unknown = await res.json().catch(() => ({}));
    if (res.ok) return { ok: true, data: json as T };
    const code = typeof (json as { code?: unknown }).code === 'string' ? (json as { code: string }).code : 'ERR_INTERNAL';
    return { ok: false, code, status: res.status };
  } catch {
    return { ok: false, code: 'ERR_PLAID_UNREACHABLE', status: 0 };
  }
}
