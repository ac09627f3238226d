import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inFlightPerUser } from './in-flight';
import { exportView, track, type User } from './state';

/**
 * A local stand-in for the user endpoints of Braze's REST API that the connector uses, on
 * 127.0.0.1, with users in memory and open to tests. Never imported by product code.
 */
export interface FakeBraze {
  /** give the connector this as `restEndpoint` */
  restEndpoint: string;
  apiKey: string;
  /** users by external id */
  users: Map<string, User>;
  /** external id → error type: `/users/track` refuses that user by index until removed */
  refusals: Map<string, string>;
  /** the next `count` requests answer 429, with `X-RateLimit-Reset` `resetInSeconds` ahead */
  rateLimitNext(count: number, resetInSeconds?: number): void;
  /** the next `count` requests answer `status` (e.g. 503) */
  failNext(count: number, status: number): void;
  /** requests seen, in arrival order */
  requests: { path: string; body: Record<string, unknown> }[];
  /** when each request arrived (epoch ms) and the status it was answered with */
  timeline: { path: string; status: number; at: number }[];
  /** most requests in flight at once */
  peakConcurrency(): number;
  /** most requests naming `externalId` in flight at once */
  peakFor(externalId: string): number;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: unknown;
}

// Per-request limits from Braze's endpoint docs.
const maxTrack = 75;
const maxIds = 50;

const ok = (body: Record<string, unknown>): Reply => ({
  status: 201,
  body: { ...body, message: 'success' },
});
const badRequest = (message: string): Reply => ({ status: 400, body: { message } });

function arrayOf(body: Record<string, unknown>, key: string): unknown[] | Reply {
  const value = body[key];
  if (!Array.isArray(value)) return badRequest(`'${key}' must be an array`);
  return value;
}

export async function startFakeBraze(
  options: { apiKey?: string; latencyMs?: number; requestsPerHour?: number } = {},
): Promise<FakeBraze> {
  const apiKey = options.apiKey ?? `fake-${Math.random().toString(16).slice(2)}`;
  const limit = options.requestsPerHour ?? 250_000;
  const users = new Map<string, User>();
  const refusals = new Map<string, string>();
  const scripted: { status: number; resetInSeconds?: number }[] = [];
  const requests: FakeBraze['requests'] = [];
  const timeline: FakeBraze['timeline'] = [];
  let inFlight = 0;
  let peak = 0;
  const perUser = inFlightPerUser();
  let window = { start: 0, used: 0 };

  function route(path: string, body: Record<string, unknown>): Reply {
    if (path === '/users/track') {
      const attributes = arrayOf(body, 'attributes');
      if (!Array.isArray(attributes)) return attributes;
      if (attributes.length > maxTrack) {
        return badRequest(`Too many attributes in request. Max is ${maxTrack}.`);
      }
      const { processed, errors } = track(users, attributes as Record<string, unknown>[], refusals);
      if (errors.length > 0 && errors.length === attributes.length) {
        const message =
          "Valid data must be provided in the 'attributes', 'events', or 'purchases' fields.";
        return { status: 400, body: { message, errors } };
      }
      return ok({ attributes_processed: processed, ...(errors.length ? { errors } : {}) });
    }
    if (path === '/users/export/ids') {
      const ids = arrayOf(body, 'external_ids');
      if (!Array.isArray(ids)) return ids;
      if (ids.length > maxIds) return badRequest(`Too many external_ids. Max is ${maxIds}.`);
      const found = ids.flatMap((id) =>
        users.has(id as string) ? [users.get(id as string)!] : [],
      );
      const invalid = ids.filter((id) => !users.has(id as string));
      return ok({
        users: found.map(exportView),
        ...(invalid.length ? { invalid_user_ids: invalid } : {}),
      });
    }
    if (path === '/users/delete') {
      const ids = arrayOf(body, 'external_ids');
      if (!Array.isArray(ids)) return ids;
      if (ids.length > maxIds) return badRequest(`Too many external_ids. Max is ${maxIds}.`);
      let deleted = 0;
      for (const id of ids) if (users.delete(id as string)) deleted += 1;
      return ok({ deleted });
    }
    if (path === '/users/external_ids/rename') {
      const renames = arrayOf(body, 'external_id_renames');
      if (!Array.isArray(renames)) return renames;
      if (renames.length > maxIds) return badRequest(`Too many renames. Max is ${maxIds}.`);
      const renamed: string[] = [];
      const rename_errors: unknown[] = [];
      for (const r of renames as { current_external_id: string; new_external_id: string }[]) {
        const user = users.get(r.current_external_id);
        const problem = !user
          ? 'current_external_id does not exist'
          : users.has(r.new_external_id)
            ? 'new_external_id already in use'
            : null;
        if (problem || !user) {
          rename_errors.push([problem, r]);
          continue;
        }
        users.delete(r.current_external_id);
        user.external_id = r.new_external_id;
        users.set(r.new_external_id, user);
        renamed.push(r.current_external_id);
      }
      return ok({ external_ids: renamed, rename_errors });
    }
    return { status: 404, body: { message: 'Not Found' } };
  }

  function rateHeaders(resetInSeconds?: number) {
    const now = Math.floor(Date.now() / 1000);
    if (now - window.start >= 3600) window = { start: now, used: 0 };
    const reset = resetInSeconds === undefined ? window.start + 3600 : now + resetInSeconds;
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - window.used)),
      'x-ratelimit-reset': String(reset),
    };
  }

  function send(res: ServerResponse, reply: Reply, resetInSeconds?: number) {
    res.writeHead(reply.status, {
      'content-type': 'application/json',
      ...rateHeaders(resetInSeconds),
    });
    res.end(JSON.stringify(reply.body));
  }

  function answer(req: IncomingMessage, raw: string): { reply: Reply; resetInSeconds?: number } {
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      return { reply: { status: 401, body: { message: 'Invalid API key' } } };
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    let body: Record<string, unknown>;
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return { reply: badRequest('Invalid JSON in request body') };
    }
    requests.push({ path, body });
    const script = scripted.shift();
    if (script?.status === 429) {
      const reply = { status: 429, body: { message: 'API rate limit exceeded' } };
      return { reply, resetInSeconds: script.resetInSeconds };
    }
    if (script)
      return { reply: { status: script.status, body: { message: 'Internal Server Error' } } };
    rateHeaders();
    window.used += 1;
    if (window.used > limit) {
      return { reply: { status: 429, body: { message: 'API rate limit exceeded' } } };
    }
    return { reply: route(path, body) };
  }

  const server = createServer((req, res) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    res.on('close', () => (inFlight -= 1));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      if (req.method !== 'POST') return send(res, { status: 404, body: { message: 'Not Found' } });
      const raw = Buffer.concat(chunks).toString();
      perUser.hold(res, raw);
      const { reply, resetInSeconds } = answer(req, raw);
      timeline.push({
        path: new URL(req.url ?? '/', 'http://x').pathname,
        status: reply.status,
        at,
      });
      setTimeout(() => send(res, reply, resetInSeconds), options.latencyMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    restEndpoint: `http://127.0.0.1:${port}`,
    apiKey,
    users,
    refusals,
    rateLimitNext(count, resetInSeconds = 1) {
      for (let i = 0; i < count; i++) scripted.push({ status: 429, resetInSeconds });
    },
    failNext(count, status) {
      for (let i = 0; i < count; i++) scripted.push({ status });
    },
    requests,
    timeline,
    peakConcurrency: () => peak,
    peakFor: perUser.peak,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
