import { randomUUID } from 'node:crypto';
import type { Reply } from './errors';

/**
 * HubSpot's rate limits as its API usage guidelines describe them: a rolling window per app
 * (policy `TEN_SECONDLY_ROLLING`: 100 or more requests in any 10 s) and a daily quota
 * (`DAILY`), both reported on every response in `X-HubSpot-RateLimit-*` headers. A 429 has no
 * `Retry-After`: its `policyName` and those headers tell which limit was hit and how long its
 * window is.
 */
export type RateLimitPolicy = 'TEN_SECONDLY_ROLLING' | 'DAILY';

export interface RateLimitOptions {
  /** requests admitted in any rolling window (HubSpot: 100 per 10 s for private apps) */
  requestsPerWindow: number;
  /** the window's length; tests shrink it from HubSpot's 10 s */
  windowMs: number;
  /** requests admitted per day (HubSpot: 250,000 and up); the fake's day never ends */
  requestsPerDay: number;
}

const messages: Record<RateLimitPolicy, string> = {
  TEN_SECONDLY_ROLLING: 'You have reached your ten_secondly_rolling limit.',
  DAILY: 'You have reached your daily limit.',
};

/** The 429 body HubSpot documents. */
export function rateLimitedBody(policy: RateLimitPolicy) {
  return {
    status: 'error',
    message: messages[policy],
    errorType: 'RATE_LIMIT',
    correlationId: randomUUID(),
    policyName: policy,
    requestId: randomUUID(),
  };
}

export class RateLimiter {
  /** arrival times of the requests admitted within the last window */
  private admitted: number[] = [];
  private usedToday = 0;
  /** 429s sent because a limit was used up (not scripted ones) */
  rejections = 0;

  constructor(private readonly o: RateLimitOptions) {}

  /** Counts one request: its headers, and the 429 to answer instead when a limit is used up. */
  admit(now = Date.now()): { headers: Record<string, string>; refusal?: Reply } {
    this.prune(now);
    const policy: RateLimitPolicy | undefined =
      this.usedToday >= this.o.requestsPerDay
        ? 'DAILY'
        : this.admitted.length >= this.o.requestsPerWindow
          ? 'TEN_SECONDLY_ROLLING'
          : undefined;
    // Refused requests are not counted, so a client that waits one window gets through.
    if (policy) this.rejections += 1;
    else {
      this.admitted.push(now);
      this.usedToday += 1;
    }
    const headers = this.headers(now);
    return policy
      ? { headers, refusal: { status: 429, body: rateLimitedBody(policy) } }
      : { headers };
  }

  /** The headers of a scripted 429: those of a window (or day) with nothing left. */
  exhausted(policy: RateLimitPolicy, now = Date.now()): Record<string, string> {
    const headers = this.headers(now);
    headers['x-hubspot-ratelimit-remaining'] = '0';
    headers['x-hubspot-ratelimit-secondly-remaining'] = '0';
    if (policy === 'DAILY') headers['x-hubspot-ratelimit-daily-remaining'] = '0';
    return headers;
  }

  private prune(now: number) {
    while (this.admitted.length > 0 && this.admitted[0]! <= now - this.o.windowMs) {
      this.admitted.shift();
    }
  }

  private headers(now: number): Record<string, string> {
    const { requestsPerWindow: max, windowMs, requestsPerDay } = this.o;
    // HubSpot also reports a per-second share of the window; the fake reports, never enforces it.
    const secondly = Math.max(1, Math.round((max * 1000) / windowMs));
    const lastSecond = this.admitted.filter((t) => t > now - 1000).length;
    return {
      'x-hubspot-ratelimit-daily': String(requestsPerDay),
      'x-hubspot-ratelimit-daily-remaining': String(Math.max(0, requestsPerDay - this.usedToday)),
      'x-hubspot-ratelimit-interval-milliseconds': String(windowMs),
      'x-hubspot-ratelimit-max': String(max),
      'x-hubspot-ratelimit-remaining': String(Math.max(0, max - this.admitted.length)),
      'x-hubspot-ratelimit-secondly': String(secondly),
      'x-hubspot-ratelimit-secondly-remaining': String(Math.max(0, secondly - lastSecond)),
    };
  }
}
