import { callJson } from '../http/call';
import { limitPerCredential } from '../http/limits';
import { parseRetryAfter } from '../webhook/delivery';
import { apiRoot, type MailchimpAppOptions } from './options';

/**
 * Mailchimp refuses an API key's 11th simultaneous connection. Several export activities may
 * run at once in one worker, so every call with the same key takes a slot from one semaphore.
 * Nine leaves a connection for the user's other tools (Grouparoo used 9 as well).
 */
export const connectionsPerKey = 9;
const slotsFor = limitPerCredential(connectionsPerKey);

export type MailchimpResult =
  | { kind: 'ok'; status: number; body: unknown }
  | { kind: 'error'; status: number; title: string; message: string; retryAfterMs?: number }
  | { kind: 'unreachable'; message: string };

/** Mailchimp's problem document as one line: its `detail`, plus field errors when given. */
interface Problem {
  title?: unknown;
  detail?: unknown;
  errors?: { field?: string; message?: string }[];
}

function describe(status: number, body: Problem | undefined): { title: string; message: string } {
  const title = typeof body?.title === 'string' ? body.title : `HTTP ${status}`;
  let message = typeof body?.detail === 'string' ? body.detail : title;
  if (Array.isArray(body?.errors) && body.errors.length > 0) {
    const fields = body.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    message = `${message} (${fields})`;
  }
  return { title, message };
}

/**
 * One call to the Marketing API. Never throws for remote problems; throws only when `signal`
 * (the activity) was aborted.
 */
export async function callMailchimp(
  options: MailchimpAppOptions,
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<MailchimpResult> {
  return slotsFor(options.apiKey)(async () => {
    const result = await callJson({
      tool: 'Mailchimp',
      url: `${apiRoot(options)}${path}`,
      method,
      headers: { Authorization: `Bearer ${options.apiKey}` },
      body,
      timeoutMs: options.timeoutMs,
      signal,
    });
    if (result.kind !== 'error') return result;
    return {
      kind: 'error',
      status: result.status,
      retryAfterMs: parseRetryAfter(result.headers.get('retry-after')),
      ...describe(result.status, result.body as Problem | undefined),
    };
  });
}
