import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as e from './errors';
import type { Reply } from './errors';
import { RateLimiter, rateLimitedBody, type RateLimitPolicy } from './rate-limit';
import { route } from './routes';
import { HubspotState } from './state';

/**
 * A local stand-in for the parts of HubSpot's CRM v3 API that the connector uses, on
 * 127.0.0.1. State is in memory and open to tests. Never imported by product code.
 */
export interface FakeHubspot {
  /** the API root to give the connector as `baseUrl` */
  baseUrl: string;
  accessToken: string;
  state: HubspotState;
  /**
   * The next `count` requests under `pathPrefix` answer 429 as HubSpot does when `policy`'s
   * limit (default the rolling window) is used up: its body and `X-HubSpot-RateLimit-*` headers
   * with nothing remaining, and no `Retry-After` unless `retryAfterSeconds` asks for one (HubSpot
   * does not document it; a proxy in front of it might add one).
   */
  rateLimitNext(count: number, options?: RateLimitScript): void;
  /** the next `count` requests under `pathPrefix` answer `status` (e.g. 503) */
  failNext(count: number, status: number, pathPrefix?: string): void;
  /** requests seen, in arrival order */
  requests: { method: string; path: string; body: unknown; status: number; at: number }[];
  /** most requests in flight at once, and 429s sent because a limit was used up */
  peakConcurrency(): number;
  windowRejections(): number;
  close(): Promise<void>;
}

export interface RateLimitScript {
  pathPrefix?: string;
  policy?: RateLimitPolicy;
  retryAfterSeconds?: number;
}

export interface FakeHubspotOptions {
  latencyMs?: number;
  /**
   * requests admitted in any rolling window before 429 `TEN_SECONDLY_ROLLING`; by default 100
   * per second, ten times HubSpot's pace, so tests about other things are not slowed
   */
  requestsPerWindow?: number;
  windowMs?: number;
  /** requests admitted before 429 `DAILY` (default 500,000) */
  requestsPerDay?: number;
}

interface Answer {
  reply: Reply;
  headers: Record<string, string>;
}

export async function startFakeHubspot(options: FakeHubspotOptions = {}): Promise<FakeHubspot> {
  const accessToken = `pat-na1-${randomBytes(12).toString('hex')}`;
  const state = new HubspotState();
  // A scripted answer is built when it is sent, so its headers describe that moment.
  const scripted: { prefix: string; answer: () => Answer }[] = [];
  const requests: FakeHubspot['requests'] = [];
  const limiter = new RateLimiter({
    requestsPerWindow: options.requestsPerWindow ?? 100,
    windowMs: options.windowMs ?? 1000,
    requestsPerDay: options.requestsPerDay ?? 500_000,
  });
  let inFlight = 0;
  let peak = 0;

  function scriptedFor(path: string): Answer | undefined {
    const at = scripted.findIndex((s) => path.startsWith(s.prefix));
    return at < 0 ? undefined : scripted.splice(at, 1)[0]!.answer();
  }

  function send(res: ServerResponse, reply: Reply, headers: Record<string, string> = {}) {
    const type =
      reply.body === undefined ? {} : { 'content-type': 'application/json;charset=utf-8' };
    res.writeHead(reply.status, { ...type, ...headers, ...reply.headers });
    res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
  }

  const server = createServer((req, res) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    res.on('close', () => (inFlight -= 1));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      let body: unknown;
      let reply: Reply;
      let headers: Record<string, string> = {};
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
      } catch {
        body = undefined;
      }
      if (req.headers.authorization !== `Bearer ${accessToken}`) reply = e.unauthorized();
      else {
        const script = scriptedFor(path);
        const limit = script ? undefined : limiter.admit();
        headers = script?.headers ?? limit!.headers;
        reply = script?.reply ?? limit!.refusal ?? route(state, method, path, body ?? {});
      }
      requests.push({ method, path, body, status: reply.status, at: Date.now() });
      setTimeout(() => send(res, reply, headers), options.latencyMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    accessToken,
    state,
    rateLimitNext(
      n,
      { pathPrefix = '/', policy = 'TEN_SECONDLY_ROLLING', retryAfterSeconds } = {},
    ) {
      const answer = (): Answer => {
        const headers = limiter.exhausted(policy);
        if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
        return { reply: { status: 429, body: rateLimitedBody(policy) }, headers };
      };
      for (let i = 0; i < n; i++) scripted.push({ prefix: pathPrefix, answer });
    },
    failNext(n, status, pathPrefix = '/') {
      const answer = (): Answer => ({ reply: e.serverError(status), headers: {} });
      for (let i = 0; i < n; i++) scripted.push({ prefix: pathPrefix, answer });
    },
    requests,
    peakConcurrency: () => peak,
    windowRejections: () => limiter.rejections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
