import { createHash } from 'node:crypto';
import { callJson } from '../http/call';
import { limitPerCredential } from '../http/limits';
import { parseRetryAfter } from '../webhook/delivery';
import { apiRoot, type HubspotAppOptions } from './options';
import { rateLimitWaitMs } from './rate-limit';

/**
 * HubSpot counts requests per account, and Grouparoo's connector ran 4 at a time. Several
 * export activities may run at once in one worker, so every call with the same token takes a
 * slot from one semaphore: at most 4 requests in flight per token in this process.
 */
export const requestsPerToken = 4;
const slotsFor = limitPerCredential(requestsPerToken);

/** A digest of the token: maps and caches never hold the token itself. */
export function tokenId(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('hex');
}

export type HubspotResult =
  | { kind: 'ok'; status: number; body: unknown }
  | { kind: 'error'; status: number; category: string; message: string; retryAfterMs?: number }
  | { kind: 'unreachable'; message: string };

export type HubspotFailure = Exclude<HubspotResult, { kind: 'ok' }>;

/**
 * HubSpot's error body: `{status: 'error', message, correlationId, category, errors?}`; a 429
 * has `errorType: 'RATE_LIMIT'` and `policyName` instead of `category`.
 */
interface ErrorBody {
  message?: unknown;
  category?: unknown;
  errorType?: unknown;
  policyName?: unknown;
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
  return slotsFor(options.accessToken)(async () => {
    const result = await callJson({
      tool: 'HubSpot',
      url: `${apiRoot(options)}${path}`,
      method,
      headers: { Authorization: `Bearer ${options.accessToken}` },
      body,
      timeoutMs: options.timeoutMs,
      signal,
    });
    if (result.kind !== 'error') return result;
    const error = result.body as ErrorBody | undefined;
    const retryAfterMs =
      result.status === 429
        ? rateLimitWaitMs(result.headers, error?.policyName)
        : parseRetryAfter(result.headers.get('retry-after'));
    return {
      kind: 'error',
      status: result.status,
      retryAfterMs,
      ...describe(result.status, error),
    };
  });
}

/** Where one batch's calls go. */
export interface Target {
  options: HubspotAppOptions;
  signal?: AbortSignal;
  /** the 429 that stopped this batch's calls */
  rateLimited?: HubspotFailure;
}

/**
 * A call made for one batch. After a 429 the batch sends nothing more: its later steps would
 * only meet the same full window (and HubSpot asks apps to keep refused requests under 5% of
 * their calls), so they report that 429 unsent and the engine retries their profiles after
 * the wait it implies.
 */
export async function request(
  target: Target,
  method: string,
  path: string,
  body?: unknown,
): Promise<HubspotResult> {
  const limited = target.rateLimited;
  if (limited) return { ...limited, message: `not sent after a 429 (${limited.message})` };
  const result = await callHubspot(target.options, method, path, body, target.signal);
  if (result.kind === 'error' && result.status === 429) target.rateLimited = result;
  return result;
}
