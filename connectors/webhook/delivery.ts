import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { WebhookAppOptions } from './options';

/** Signs the exact bytes sent, so the receiver can verify before parsing. */
export function sign(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * The id of a delivery: the same for every attempt of the same exports (a retry, or a resend
 * after a crash), so a receiver can de-duplicate by it. UUID-shaped, from a hash of the
 * destination and the export ids.
 */
export function deliveryId(destinationId: string, exportIds: number[]): string {
  const hex = createHash('sha256')
    .update(`${destinationId}:${[...exportIds].sort((a, b) => a - b).join(',')}`)
    .digest('hex');
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20, 32),
  ].join('-');
}

export type DeliveryResult =
  | { kind: 'response'; status: number; retryAfterMs?: number; bodyStart: string }
  | { kind: 'timeout' }
  | { kind: 'network'; message: string };

/**
 * POSTs one signed JSON document. Never throws for remote problems: the caller turns the
 * result into outcomes. Throws only when `signal` (the activity) was aborted.
 */
export async function deliver(
  options: WebhookAppOptions,
  document: unknown,
  signal?: AbortSignal,
  delivery: string = randomUUID(),
): Promise<DeliveryResult> {
  const body = JSON.stringify(document);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await fetch(options.url, {
      method: 'POST',
      body,
      // Ours come last so extra headers cannot replace the signature or the content type.
      headers: {
        ...options.headers,
        'Content-Type': 'application/json',
        'User-Agent': 'outflow',
        'X-Outflow-Delivery': delivery,
        'X-Outflow-Signature': sign(body, options.secret),
      },
      // A redirected POST may turn into a GET elsewhere; report it rather than follow it.
      redirect: 'manual',
      signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
    });
    const text = await response.text();
    return {
      kind: 'response',
      status: response.status,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
      bodyStart: text.slice(0, 500),
    };
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (timeout.aborted) return { kind: 'timeout' };
    return { kind: 'network', message: networkMessage(error) };
  }
}

/** `Retry-After` as milliseconds from now: delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** fetch hides the socket error in `cause`; it names the problem without the URL. */
function networkMessage(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
