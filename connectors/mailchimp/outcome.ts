import type { ExportOutcome } from '../types';
import type { MailchimpResult } from './client';

export type Failure = Exclude<MailchimpResult, { kind: 'ok' }>;

/** Thrown inside one profile's export to stop it with Mailchimp's answer. */
export class MailchimpCallError extends Error {
  constructor(
    readonly step: string,
    readonly result: Failure,
  ) {
    super(`${step}: ${result.message}`);
    this.name = 'MailchimpCallError';
  }
}

/**
 * Mailchimp's 429 (its connection limit) carries no Retry-After or rate-limit header: wait
 * 1–10 s, spread out so the calls refused together do not come back together.
 */
export function rateLimitWait(): number {
  return 1000 + Math.floor(Math.random() * 9000);
}

/**
 * What one failed call means for the profile: 429 waits without using the retry budget,
 * 5xx and network problems retry, any other 4xx (invalid or fake-looking email, compliance
 * state, forgotten email, bad merge field, bad key) fails at once with Mailchimp's words.
 */
export function outcomeOf(profileId: string, error: MailchimpCallError): ExportOutcome {
  const { result, step } = error;
  if (result.kind === 'unreachable') {
    return { profileId, status: 'retry', message: `${step}: ${result.message}` };
  }
  const message = `${step}: Mailchimp answered ${result.status} ${result.title}: ${result.message}`;
  if (result.status === 429) {
    const retryAfterMs = result.retryAfterMs ?? rateLimitWait();
    return { profileId, status: 'retry', message, rateLimited: true, retryAfterMs };
  }
  if (result.status >= 500 || result.status === 408) {
    const wait = result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs };
    return { profileId, status: 'retry', message, ...wait };
  }
  return { profileId, status: 'failed', level: 'error', message };
}
