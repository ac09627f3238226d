import { createHash } from 'node:crypto';
import { parseRetryAfter } from '../webhook/delivery';
import { apiRoot, type MailchimpAppOptions } from './options';
import { Semaphore } from './semaphore';

/**
 * Mailchimp refuses an API key's 11th simultaneous connection. Several export activities may
 * run at once in one worker, so every call with the same key takes a slot from one semaphore.
 * Nine leaves a connection for the user's other tools (Grouparoo used 9 as well).
 */
export const connectionsPerKey = 9;
const slots = new Map<string, Semaphore>();

function slotsFor(apiKey: string): Semaphore {
  // Keyed by a digest so the map never holds the key itself.
  const id = createHash('sha256').update(apiKey).digest('hex');
  let semaphore = slots.get(id);
  if (!semaphore) slots.set(id, (semaphore = new Semaphore(connectionsPerKey)));
  return semaphore;
}

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
  return slotsFor(options.apiKey).run(async () => {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    try {
      const response = await fetch(`${apiRoot(options)}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${options.apiKey}`,
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
      return {
        kind: 'error',
        status: response.status,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
        ...describe(response.status, parsed as Problem | undefined),
      };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted)
        return { kind: 'unreachable', message: `no answer within ${options.timeoutMs} ms` };
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const message = cause?.code ?? cause?.message ?? String(error);
      return { kind: 'unreachable', message: `could not reach Mailchimp: ${message}` };
    }
  });
}
