/** A small client for Outflow's own API, used by the demo, the importer and the benchmark. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly path: string,
    message: string,
  ) {
    super(`${path}: HTTP ${status}: ${message}`);
  }
}

export interface ApiClient {
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

export function apiClient(baseUrl: string, apiKey: string): ApiClient {
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(new URL(path, baseUrl), {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const json = text ? JSON.parse(text) : undefined;
      if (!res.ok) {
        throw new ApiError(res.status, path, json?.error?.message ?? text.slice(0, 300));
      }
      return json as T;
    },
  };
}

/** Creates an object, treating "already exists" (409) as success so set-up can be re-run. */
export async function createIfMissing(api: ApiClient, path: string, body: unknown): Promise<void> {
  try {
    await api.request('POST', path, body);
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) return;
    throw err;
  }
}
