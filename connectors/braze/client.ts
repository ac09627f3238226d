import { createHash } from 'node:crypto';
import { Semaphore } from '../mailchimp/semaphore';
import { parseRetryAfter } from '../webhook/delivery';
import type { BrazeAppOptions } from './options';

/**
 * Requests in flight per API key, across every batch, destination and activity of the worker
 * process. Braze limits requests per minute, not connections; a small bound keeps one busy
 * destination from spending a workspace's whole minute in a burst.
 */
export const requestsPerKey = 4;
const slots = new Map<string, Semaphore>();

function slotsFor(apiKey: string): Semaphore {
  // Keyed by a digest so the map never holds the key itself.
  const id = createHash('sha256').update(apiKey).digest('hex');
  let semaphore = slots.get(id);
  if (!semaphore) slots.set(id, (semaphore = new Semaphore(requestsPerKey)));
  return semaphore;
}

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
  return slotsFor(options.apiKey).run(async () => {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    try {
      const response = await fetch(`${options.restEndpoint}${path}`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${options.apiKey}`,
          'Content-Type': 'application/json',
          'User-Agent': 'outflow',
          // Braze routes bulk imports apart from live traffic; we only ever send bulk.
          ...(path === '/users/track' ? { 'X-Braze-Bulk': 'true' } : {}),
        },
        body: JSON.stringify(body),
        redirect: 'error',
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON (a proxy's error page): the status alone describes it.
      }
      if (response.ok) {
        return {
          kind: 'ok',
          status: response.status,
          body: (parsed ?? {}) as Record<string, unknown>,
        };
      }
      const message = (parsed as { message?: unknown } | undefined)?.message;
      // X-RateLimit-Reset is on every answer; only a 429 means "wait until then".
      const retryAfterMs =
        response.status === 429
          ? rateLimitWait(response.headers)
          : parseRetryAfter(response.headers.get('retry-after'));
      return {
        kind: 'error',
        status: response.status,
        message: typeof message === 'string' ? message : `HTTP ${response.status}`,
        errors: itemErrors(parsed),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) {
        return { kind: 'unreachable', message: `no answer within ${options.timeoutMs} ms` };
      }
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const message = cause?.code ?? cause?.message ?? String(error);
      return { kind: 'unreachable', message: `could not reach Braze: ${message}` };
    }
  });
}
