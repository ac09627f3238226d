import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as e from './errors';
import type { Reply } from './errors';
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
  /** the next `count` requests under `pathPrefix` answer 429 with `Retry-After` */
  rateLimitNext(count: number, options?: { retryAfterSeconds?: number; pathPrefix?: string }): void;
  /** the next `count` requests under `pathPrefix` answer `status` (e.g. 503) */
  failNext(count: number, status: number, pathPrefix?: string): void;
  /** requests seen, in arrival order */
  requests: { method: string; path: string; body: unknown; status: number; at: number }[];
  /** most requests in flight at once, and 429s sent for the per-window limit */
  peakConcurrency(): number;
  windowRejections(): number;
  close(): Promise<void>;
}

export interface FakeHubspotOptions {
  latencyMs?: number;
  /** requests allowed per window and token before 429 (HubSpot's "secondly" limit) */
  requestsPerWindow?: number;
  windowMs?: number;
}

export async function startFakeHubspot(options: FakeHubspotOptions = {}): Promise<FakeHubspot> {
  const accessToken = `pat-na1-${randomBytes(12).toString('hex')}`;
  const state = new HubspotState();
  const scripted: { prefix: string; reply: Reply }[] = [];
  const requests: FakeHubspot['requests'] = [];
  const windowMs = options.windowMs ?? 1000;
  const perWindow = options.requestsPerWindow ?? 100;
  let windowStart = Date.now();
  let windowCount = 0;
  let inFlight = 0;
  let peak = 0;
  let rejections = 0;

  /** The per-window counter, as HubSpot reports it in `X-HubSpot-RateLimit-*` headers. */
  function count(): { allowed: boolean; headers: Record<string, string> } {
    if (Date.now() - windowStart >= windowMs) {
      windowStart = Date.now();
      windowCount = 0;
    }
    windowCount += 1;
    const remaining = Math.max(0, perWindow - windowCount);
    return {
      allowed: windowCount <= perWindow,
      headers: {
        'x-hubspot-ratelimit-interval-milliseconds': String(windowMs),
        'x-hubspot-ratelimit-max': String(perWindow),
        'x-hubspot-ratelimit-remaining': String(remaining),
        'x-hubspot-ratelimit-daily': '500000',
        'x-hubspot-ratelimit-daily-remaining': '499000',
      },
    };
  }

  function scriptedFor(path: string): Reply | undefined {
    const at = scripted.findIndex((s) => path.startsWith(s.prefix));
    return at < 0 ? undefined : scripted.splice(at, 1)[0]!.reply;
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
        const limit = count();
        headers = limit.headers;
        if (!limit.allowed) {
          rejections += 1;
          reply = e.rateLimited();
        } else reply = scriptedFor(path) ?? route(state, method, path, body ?? {});
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
    rateLimitNext(n, { retryAfterSeconds = 1, pathPrefix = '/' } = {}) {
      for (let i = 0; i < n; i++) {
        const reply = { ...e.rateLimited(), headers: { 'retry-after': String(retryAfterSeconds) } };
        scripted.push({ prefix: pathPrefix, reply });
      }
    },
    failNext(n, status, pathPrefix = '/') {
      for (let i = 0; i < n; i++)
        scripted.push({ prefix: pathPrefix, reply: e.serverError(status) });
    },
    requests,
    peakConcurrency: () => peak,
    windowRejections: () => rejections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
