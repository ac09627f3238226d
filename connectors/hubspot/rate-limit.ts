import { parseRetryAfter } from '../webhook/delivery';

/**
 * How long to wait after HubSpot's 429. HubSpot sends no `Retry-After`: the body's `policyName`
 * says which limit was hit (`TEN_SECONDLY_ROLLING`, the older `SECONDLY`, or `DAILY`) and the
 * `X-HubSpot-RateLimit-*` headers describe it. The rolling window frees its oldest slot at most
 * `Interval-Milliseconds` after a refusal, so waiting that long is enough and not much more.
 */

/** HubSpot's burst window, when a 429 does not say. */
export const defaultWindowMs = 10_000;

/**
 * The daily quota resets at midnight in the account's time zone, which no header reports:
 * asking again hourly costs one refused request per waiting batch and resumes within the hour.
 * TODO: wait until that midnight, read from the account details endpoint (needs its scope).
 */
export const dailyLimitWaitMs = 60 * 60_000;

const secondMs = 1000;

export function rateLimitWaitMs(headers: Headers, policyName: unknown): number {
  // A proxy in front of HubSpot may say exactly; HubSpot itself does not.
  const retryAfter = parseRetryAfter(headers.get('retry-after'));
  if (retryAfter !== undefined) return retryAfter;
  const header = (name: string) => headers.get(`x-hubspot-ratelimit-${name}`);
  if (policyName === 'DAILY' || header('daily-remaining') === '0') return dailyLimitWaitMs;
  if (policyName === 'SECONDLY') return secondMs;
  const interval = Number(header('interval-milliseconds'));
  if (Number.isFinite(interval) && interval > 0) return interval;
  return header('secondly-remaining') === '0' ? secondMs : defaultWindowMs;
}
