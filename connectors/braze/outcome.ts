import type { ExportOutcome } from '../types';
import type { BrazeResult } from './client';

/** A call that did not succeed, or one record Braze refused inside a successful call. */
export type Failure = Exclude<BrazeResult, { kind: 'ok' }> | { kind: 'refused'; message: string };

/** Braze sent no wait with its 429: 1–10 s, spread out so retries do not arrive together. */
function fallbackWait(): number {
  return 1000 + Math.floor(Math.random() * 9000);
}

/**
 * What a failure means for one profile: 429 waits without using the retry budget, 5xx, 408
 * and network problems retry, a refused record and any other 4xx (bad key, missing
 * permission, malformed request) fail at once with Braze's words.
 */
export function outcomeOf(profileId: string, step: string, failure: Failure): ExportOutcome {
  if (failure.kind === 'unreachable') {
    return { profileId, status: 'retry', message: `${step}: ${failure.message}` };
  }
  if (failure.kind === 'refused') {
    return {
      profileId,
      status: 'failed',
      level: 'error',
      message: `${step}: Braze refused the user: ${failure.message}`,
    };
  }
  const message = `${step}: Braze answered ${failure.status}: ${failure.message}`;
  if (failure.status === 429) {
    const retryAfterMs = failure.retryAfterMs ?? fallbackWait();
    return { profileId, status: 'retry', message, rateLimited: true, retryAfterMs };
  }
  if (failure.status >= 500 || failure.status === 408) {
    const wait = failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs };
    return { profileId, status: 'retry', message, ...wait };
  }
  return { profileId, status: 'failed', level: 'error', message };
}
