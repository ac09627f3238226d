/**
 * One JSON call to a SaaS tool's HTTP API, as every email-tool connector makes it. Never throws
 * for remote problems (they become results the connector maps to outcomes); throws only when
 * `signal` (the activity) was aborted.
 */

export type JsonCallResult =
  | { kind: 'ok'; status: number; body: unknown; headers: Headers }
  | { kind: 'error'; status: number; body: unknown; headers: Headers }
  | { kind: 'unreachable'; message: string };

export interface JsonCall {
  /** the tool's name, for messages */
  tool: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  signal?: AbortSignal;
}

export async function callJson(call: JsonCall): Promise<JsonCallResult> {
  const timeout = AbortSignal.timeout(call.timeoutMs);
  try {
    const response = await fetch(call.url, {
      method: call.method,
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'outflow', ...call.headers },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      // A redirect would resend credentials elsewhere: the configured URL must be the final one.
      redirect: 'error',
      signal: call.signal ? AbortSignal.any([timeout, call.signal]) : timeout,
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy's error page): the status alone describes it.
    }
    const kind = response.ok ? 'ok' : 'error';
    return { kind, status: response.status, body, headers: response.headers };
  } catch (error) {
    if (call.signal?.aborted) throw call.signal.reason;
    if (timeout.aborted)
      return { kind: 'unreachable', message: `no answer within ${call.timeoutMs} ms` };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const message = cause?.code ?? cause?.message ?? String(error);
    return { kind: 'unreachable', message: `could not reach ${call.tool}: ${message}` };
  }
}
