/**
 * The local API's rate limit and its count of requests in flight.
 *
 * SendGrid allows each endpoint a number of requests per refresh period and reports it on every
 * answer in `X-RateLimit-Limit`, `-Remaining` and `-Reset`; past the limit it answers 429 until
 * the period ends. The recordings show 200 a minute for the contacts calls and 600 for lists and
 * field definitions, and `X-RateLimit-Reset` as seconds left; the documentation shows it as an
 * epoch second. Both forms are available here.
 */

export interface RateLimitOptions {
  /** requests per window and endpoint; by default as recorded (200 or 600 a minute) */
  limit?: number;
  windowMs?: number;
  /** `seconds` left in the window (as recorded) or the `epoch` second it ends (as documented) */
  resetHeader?: 'seconds' | 'epoch';
}

interface Window {
  start: number;
  count: number;
  /** a 429 was answered in this window: a client that waits for the reset sends nothing more */
  refused: boolean;
}

// The contacts endpoints the recordings show at 200 a minute.
const contactsCalls = /^(PUT|DELETE) \/v3\/marketing\/contacts$|\/contacts\/search/;

export class RateWindows {
  private readonly windows = new Map<string, Window>();
  /** 429s sent because a window was used up */
  refusals = 0;
  /** requests that arrived in a window after its 429, i.e. before the reset the client was told */
  ignoredResets = 0;

  constructor(private readonly options: RateLimitOptions = {}) {}

  /** Counts one request to `endpoint` ("PUT /v3/marketing/contacts"); its headers and verdict. */
  count(endpoint: string, now = Date.now()): { allowed: boolean; headers: Record<string, string> } {
    const windowMs = this.options.windowMs ?? 60_000;
    const limit = this.options.limit ?? (contactsCalls.test(endpoint) ? 200 : 600);
    let window = this.windows.get(endpoint);
    if (!window || now - window.start >= windowMs) {
      window = { start: now, count: 0, refused: false };
      this.windows.set(endpoint, window);
    }
    window.count += 1;
    const allowed = window.count <= limit;
    if (!allowed) {
      this.refusals += 1;
      if (window.refused) this.ignoredResets += 1;
      window.refused = true;
    }
    const endsAt = window.start + windowMs;
    const reset =
      this.options.resetHeader === 'epoch'
        ? Math.ceil(endsAt / 1000)
        : Math.max(1, Math.ceil((endsAt - now) / 1000));
    return {
      allowed,
      headers: {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': String(Math.max(0, limit - window.count)),
        'x-ratelimit-reset': String(reset),
      },
    };
  }
}

/** Requests being answered right now, overall and per contact email, with their peaks. */
export class InFlight {
  private now = 0;
  private peakAll = 0;
  private readonly perEmail = new Map<string, { now: number; peak: number }>();

  /** Marks a request as started; call the answer when its response has been sent. */
  start(emails: string[]): () => void {
    this.now += 1;
    this.peakAll = Math.max(this.peakAll, this.now);
    const unique = [...new Set(emails)];
    for (const email of unique) {
      const entry = this.perEmail.get(email) ?? { now: 0, peak: 0 };
      entry.now += 1;
      entry.peak = Math.max(entry.peak, entry.now);
      this.perEmail.set(email, entry);
    }
    return () => {
      this.now -= 1;
      for (const email of unique) this.perEmail.get(email)!.now -= 1;
    };
  }

  peak(): number {
    return this.peakAll;
  }

  peakFor(email: string): number {
    return this.perEmail.get(email.toLowerCase())?.peak ?? 0;
  }
}
