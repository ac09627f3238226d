import { callJson } from '../http/call';
import { limitPerCredential } from '../http/limits';
import { parseRetryAfter } from '../webhook/delivery';
import type { SendgridAppOptions } from './options';

/**
 * Requests in flight per API key, across the worker process. SendGrid limits requests per
 * window per endpoint; a small bound keeps one destination from draining the window at once.
 */
export const requestsPerKey = 4;
const slotsFor = limitPerCredential(requestsPerKey);

export type SendgridResult =
  | { kind: 'ok'; status: number; body: Record<string, unknown> }
  | {
      kind: 'error';
      status: number;
      message: string;
      /** SendGrid's `errors` array: `field` names the bad input, e.g. `contacts[2].email` */
      errors: { field?: string | null; message: string }[];
      retryAfterMs?: number;
    }
  | { kind: 'unreachable'; message: string };

/**
 * How long a 429 asks us to wait. SendGrid documents `X-RateLimit-Reset` as the epoch second
 * the window resets, while recorded answers carry seconds left (e.g. `21`): accept both, and
 * wait at least a second so a skewed clock cannot make us hammer the API.
 */
export function rateLimitWait(headers: Headers, now = Date.now()): number {
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  if (retryAfter !== undefined) return Math.max(1000, retryAfter);
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (!Number.isFinite(reset) || reset <= 0) return 1000;
  const ms = reset > 1e9 ? reset * 1000 - now : reset * 1000;
  return Math.max(1000, ms);
}

function errorsOf(body: unknown): { field?: string | null; message: string }[] {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errors) ? errors : [];
}

/** One call to the v3 API. Never throws for remote problems; only when `signal` aborted. */
export async function callSendgrid(
  options: SendgridAppOptions,
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<SendgridResult> {
  return slotsFor(options.apiKey)(async () => {
    const result = await callJson({
      tool: 'SendGrid',
      url: `${options.baseUrl}${path}`,
      method,
      headers: { Authorization: `Bearer ${options.apiKey}` },
      body,
      timeoutMs: options.timeoutMs,
      signal,
    });
    if (result.kind === 'unreachable') return result;
    if (result.kind === 'ok') {
      return { kind: 'ok', status: result.status, body: (result.body ?? {}) as never };
    }
    const errors = errorsOf(result.body);
    const retryAfterMs = result.status === 429 ? rateLimitWait(result.headers) : undefined;
    return {
      kind: 'error',
      status: result.status,
      message: errors.map((e) => e.message).join('; ') || `HTTP ${result.status}`,
      errors,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  });
}

/** A failed call as a profile's outcome: 429, 5xx and no answer are transient. */
export function outcomeOf(
  profileId: string,
  what: string,
  result: Exclude<SendgridResult, { kind: 'ok' }>,
) {
  const message = `SendGrid could not ${what}: ${result.message}`;
  if (result.kind === 'unreachable') return { profileId, status: 'retry', message } as const;
  if (result.status === 429) {
    const { retryAfterMs } = result;
    return { profileId, status: 'retry', message, retryAfterMs, rateLimited: true } as const;
  }
  if (result.status >= 500 || result.status === 408) {
    return { profileId, status: 'retry', message } as const;
  }
  return { profileId, status: 'failed', message, level: 'error' } as const;
}
