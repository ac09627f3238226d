import { callJson } from '../http/call';
import { limitPerCredential } from '../http/limits';
import { parseRetryAfter } from '../webhook/delivery';
import type { BrazeAppOptions } from './options';

/**
 * Requests in flight per API key, across every batch, destination and activity of the worker
 * process. Braze limits requests per minute, not connections; a small bound keeps one busy
 * destination from spending a workspace's whole minute in a burst.
 */
export const requestsPerKey = 4;
const slotsFor = limitPerCredential(requestsPerKey);

/** One entry of Braze's `errors` array; `index` points into the request's `input_array`. */
export interface BrazeItemError {
  type: string;
  input_array?: string;
  index?: number;
}

export type BrazeResult =
  | { kind: 'ok'; status: number; body: Record<string, unknown> }
  | {
      kind: 'error';
      status: number;
      message: string;
      errors: BrazeItemError[];
      retryAfterMs?: number;
    }
  | { kind: 'unreachable'; message: string };

/**
 * How long a 429 asks us to wait: `Retry-After` when sent, else until `X-RateLimit-Reset`
 * (epoch seconds), at least one second so a skewed clock cannot make us hammer Braze.
 */
export function rateLimitWait(headers: Headers, now = Date.now()): number | undefined {
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  if (retryAfter !== undefined) return Math.max(1000, retryAfter);
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (!Number.isFinite(reset) || reset <= 0) return undefined;
  return Math.max(1000, reset * 1000 - now);
}

function itemErrors(body: unknown): BrazeItemError[] {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return [];
  // Older endpoints list plain strings; keep them as unindexed errors.
  return errors.map((e) => (typeof e === 'string' ? { type: e } : (e as BrazeItemError)));
}

/** One POST to the REST API. Never throws for remote problems; only when `signal` aborted. */
export async function callBraze(
  options: BrazeAppOptions,
  path: string,
  body: unknown,
  signal?: AbortSignal,
): Promise<BrazeResult> {
  return slotsFor(options.apiKey)(async () => {
    const result = await callJson({
      tool: 'Braze',
      url: `${options.restEndpoint}${path}`,
      method: 'POST',
      headers: {
        Authorization: `Bearer ${options.apiKey}`,
        // Braze routes bulk imports apart from live traffic; we only ever send bulk.
        ...(path === '/users/track' ? { 'X-Braze-Bulk': 'true' } : {}),
      },
      body,
      timeoutMs: options.timeoutMs,
      signal,
    });
    if (result.kind === 'unreachable') return result;
    if (result.kind === 'ok') {
      const okBody = (result.body ?? {}) as Record<string, unknown>;
      return { kind: 'ok', status: result.status, body: okBody };
    }
    const message = (result.body as { message?: unknown } | undefined)?.message;
    // X-RateLimit-Reset is on every answer; only a 429 means "wait until then".
    const retryAfterMs =
      result.status === 429
        ? rateLimitWait(result.headers)
        : parseRetryAfter(result.headers.get('retry-after'));
    return {
      kind: 'error',
      status: result.status,
      message: typeof message === 'string' ? message : `HTTP ${result.status}`,
      errors: itemErrors(result.body),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  });
}
