import type { ExportOutcome } from '../types';
import type { HubspotFailure } from './client';
import { defaultWindowMs } from './rate-limit';

/** What HubSpot did not do for some profiles: the step and HubSpot's answer. */
export interface StepFailure {
  step: string;
  result: HubspotFailure;
}

/**
 * What a failed call means for a profile: a 429 waits the window HubSpot's headers imply (see
 * `rate-limit.ts`) without using the retry budget; 5xx, 408 and network problems retry; a 409
 * (the email appeared meanwhile) retries so the next attempt finds the contact; any other 4xx
 * (invalid email or value, bad token, missing scope) fails at once with HubSpot's words.
 */
export function outcomeOf(profileId: string, { step, result }: StepFailure): ExportOutcome {
  if (result.kind === 'unreachable') {
    return { profileId, status: 'retry', message: `${step}: ${result.message}` };
  }
  const message = `${step}: HubSpot answered ${result.status} ${result.category}: ${result.message}`;
  if (result.status === 429) {
    const retryAfterMs = result.retryAfterMs ?? defaultWindowMs;
    return { profileId, status: 'retry', message, rateLimited: true, retryAfterMs };
  }
  if (result.status >= 500 || result.status === 408 || result.status === 409) {
    const wait = result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs };
    return { profileId, status: 'retry', message, ...wait };
  }
  return { profileId, status: 'failed', level: 'error', message };
}
