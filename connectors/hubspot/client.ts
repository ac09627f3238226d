import { createHash } from 'node:crypto';
import { Semaphore } from '../mailchimp/semaphore';
import { parseRetryAfter } from '../webhook/delivery';
import { apiRoot, type HubspotAppOptions } from './options';

/**
 * HubSpot counts requests per account, and Grouparoo's connector ran 4 at a time. Several
 * export activities may run at once in one worker, so every call with the same token takes a
 * slot from one semaphore: at most 4 requests in flight per token in this process.
 */
export const requestsPerToken = 4;
const slots = new Map<string, Semaphore>();

/** A digest of the token: maps and caches never hold the token itself. */
export function tokenId(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('hex');
}

function slotsFor(accessToken: string): Semaphore {
  const id = tokenId(accessToken);
  let semaphore = slots.get(id);
  if (!semaphore) slots.set(id, (semaphore = new Semaphore(requestsPerToken)));
  return semaphore;
}

export type HubspotResult =
  | { kind: 'ok'; status: number; body: unknown }
  | { kind: 'error'; status: number; category: string; message: string; retryAfterMs?: number }
  | { kind: 'unreachable'; message: string };

export type HubspotFailure = Exclude<HubspotResult, { kind: 'ok' }>;

/** HubSpot's error body: `{status: 'error', message, correlationId, category, errors?}`. */
interface ErrorBody {
  message?: unknown;
  category?: unknown;
  errorType?: unknown;
  errors?: { message?: string }[];
}

function describe(status: number, body: ErrorBody | undefined) {
  const category =
    typeof body?.category === 'string'
      ? body.category
      : typeof body?.errorType === 'string'
        ? body.errorType
        : `HTTP ${status}`;
  let message = typeof body?.message === 'string' ? body.message : category;
  const details = (Array.isArray(body?.errors) ? body.errors : [])
    .map((e) => e.message)
    .filter((m): m is string => typeof m === 'string' && !message.includes(m));
  if (details.length > 0) message = `${message} (${details.join('; ')})`;
  return { category, message };
}

/**
 * How long a 429 asks us to wait: `Retry-After` when sent; otherwise, when the window is used
 * up, its length (`X-HubSpot-RateLimit-Interval-Milliseconds`).
 */
function rateLimitWait(headers: Headers): number | undefined {
  const retryAfter = parseRetryAfter(headers.get('retry-after'));
  if (retryAfter !== undefined) return retryAfter;
  const interval = Number(headers.get('x-hubspot-ratelimit-interval-milliseconds'));
  if (headers.get('x-hubspot-ratelimit-remaining') === '0' && interval > 0) return interval;
  return undefined;
}

/**
 * One call to HubSpot's API. Never throws for remote problems; throws only when `signal`
 * (the activity) was aborted.
 */
export async function callHubspot(
  options: HubspotAppOptions,
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<HubspotResult> {
  return slotsFor(options.accessToken).run(async () => {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    try {
      const response = await fetch(`${apiRoot(options)}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${options.accessToken}`,
          'Content-Type': 'application/json',
          'User-Agent': 'outflow',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
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
      if (response.ok) return { kind: 'ok', status: response.status, body: parsed };
      const retryAfterMs =
        response.status === 429
          ? rateLimitWait(response.headers)
          : parseRetryAfter(response.headers.get('retry-after'));
      return {
        kind: 'error',
        status: response.status,
        retryAfterMs,
        ...describe(response.status, parsed as ErrorBody | undefined),
      };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted)
        return { kind: 'unreachable', message: `no answer within ${options.timeoutMs} ms` };
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const message = cause?.code ?? cause?.message ?? String(error);
      return { kind: 'unreachable', message: `could not reach HubSpot: ${message}` };
    }
  });
}
