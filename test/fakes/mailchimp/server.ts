import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inFlightPerMember } from './in-flight';
import * as p from './problems';
import type { Reply } from './problems';
import { memberView, newList, writeMember, writeTags, type List, type MemberBody } from './state';

/**
 * A local stand-in for the parts of Mailchimp's Marketing API 3.0 that the connector uses,
 * on 127.0.0.1. State is in memory and open to tests. Never imported by product code.
 */
export interface FakeMailchimp {
  /** the API root to give the connector as `baseUrl` (ends in `/3.0`) */
  baseUrl: string;
  apiKey: string;
  lists: Map<string, List>;
  createList(extraMergeFields?: { tag: string; type: string }[]): List;
  /**
   * The next `count` requests answer 429 as Mailchimp does: the connection-limit problem
   * document, with no Retry-After or rate-limit header (Mailchimp sends none).
   * @param ignored kept so older callers compile; there is no wait to announce.
   */
  rateLimitNext(count: number, ignored?: number): void;
  /** as `rateLimitNext`, for the next `count` calls to a member (not the merge-field read) */
  rateLimitMemberCalls(count: number): void;
  /** the next `count` requests answer `status` (e.g. 503) */
  failNext(count: number, status: number): void;
  /** requests seen, in arrival order, as "METHOD /path" */
  requests: string[];
  /** when each request arrived (epoch ms), as "METHOD /path", and the status it was answered */
  timeline: { request: string; status: number; at: number }[];
  /** most requests for the member with this email in flight at once */
  peakFor(email: string): number;
  /** most requests in flight at once for the key, and 429s sent for exceeding 10 */
  peakConcurrency(): number;
  connectionRejections(): number;
  close(): Promise<void>;
}

const connectionLimit = 10;

export async function startFakeMailchimp(
  options: { apiKey?: string; latencyMs?: number } = {},
): Promise<FakeMailchimp> {
  const apiKey = options.apiKey ?? `${Math.random().toString(16).slice(2)}0123456789-us6`;
  const lists = new Map<string, List>();
  // Replies scripted by tests, taken in order by the first request each one matches.
  const scripted: { reply: Reply; matches?: RegExp }[] = [];
  const takeScripted = (request: string) => {
    const at = scripted.findIndex((s) => !s.matches || s.matches.test(request));
    return at < 0 ? undefined : scripted.splice(at, 1)[0]!.reply;
  };
  const requests: string[] = [];
  const timeline: FakeMailchimp['timeline'] = [];
  const perMember = inFlightPerMember();
  let inFlight = 0;
  let peak = 0;
  let rejections = 0;
  let listCount = 0;

  function authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    if (header.startsWith('Bearer ')) return header.slice(7) === apiKey;
    if (!header.startsWith('Basic ')) return false;
    const decoded = Buffer.from(header.slice(6), 'base64').toString();
    return decoded.slice(decoded.indexOf(':') + 1) === apiKey;
  }

  function route(method: string, path: string, body: unknown): Reply {
    if (method === 'GET' && path === '/3.0/ping') {
      return { status: 200, body: { health_status: "Everything's Chimpy!" } };
    }
    const match = /^\/3\.0\/lists\/([^/]+)(\/.*)?$/.exec(path);
    const list = match ? lists.get(match[1]!) : undefined;
    if (!list) return p.notFound();
    const rest = match![2] ?? '';
    if (method === 'GET' && rest === '') {
      return {
        status: 200,
        body: { id: list.id, name: list.name, stats: { member_count: list.members.size } },
      };
    }
    if (method === 'GET' && rest === '/merge-fields') {
      const fields = list.mergeFields.map((f) => ({ ...f, required: false, list_id: list.id }));
      return {
        status: 200,
        body: { merge_fields: fields, list_id: list.id, total_items: fields.length },
      };
    }
    const member = /^\/members\/([0-9a-f]{32})(\/.*)?$/.exec(rest);
    if (!member) return p.notFound();
    const [, hash, action = ''] = member as unknown as [string, string, string?];
    const found = list.members.get(hash);
    const key = `${method} ${action}`;
    if (key === 'GET ')
      return found ? { status: 200, body: memberView(list, found) } : p.notFound();
    if (key === 'PUT ') return writeMember(list, hash, body as MemberBody, true);
    if (key === 'PATCH ') return writeMember(list, hash, body as MemberBody, false);
    if (key === 'DELETE ') {
      if (!found) return p.notFound();
      if (found.status === 'archived') return p.cannotArchive();
      found.status = 'archived';
      return { status: 204 };
    }
    if (key === 'POST /actions/delete-permanent') {
      if (!found) return p.notFound();
      list.members.delete(hash);
      list.flagged.set(found.email_address.toLowerCase(), 'forgotten');
      return { status: 204 };
    }
    if (key === 'POST /tags') {
      const tags = (body as { tags?: { name: string; status: 'active' | 'inactive' }[] }).tags;
      if (!Array.isArray(tags)) return p.invalidResource('tags', 'This value should not be blank.');
      return writeTags(list, hash, tags);
    }
    if (key === 'GET /tags') {
      if (!found) return p.notFound();
      const tags = found.tags.map((t) => ({ ...t }));
      return { status: 200, body: { tags, total_items: tags.length } };
    }
    return p.notFound();
  }

  function send(res: ServerResponse, reply: Reply) {
    const json = reply.status >= 400 ? 'application/problem+json' : 'application/json';
    res.writeHead(reply.status, { 'content-type': `${json}; charset=utf-8`, ...reply.headers });
    res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
  }

  const server = createServer((req, res) => {
    if (!authorized(req)) return send(res, p.apiKeyInvalid());
    // Mailchimp counts simultaneous connections per key; the 11th is refused at once.
    if (inFlight >= connectionLimit) {
      rejections += 1;
      return send(res, p.tooManyConnections());
    }
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    res.on('close', () => (inFlight -= 1));
    perMember.hold(res, req.url ?? '/');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      requests.push(`${req.method} ${path}`);
      let body: unknown;
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {};
      } catch {
        return send(
          res,
          p.problem(400, 'JSON Parse Error', 'We encountered an unspecified JSON parsing error.'),
        );
      }
      const request = `${req.method} ${path}`;
      const reply = takeScripted(request) ?? route(req.method ?? 'GET', path, body);
      timeline.push({ request, status: reply.status, at });
      setTimeout(() => send(res, reply), options.latencyMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/3.0`,
    apiKey,
    lists,
    createList(extra) {
      listCount += 1;
      const list = newList(`${Math.random().toString(16).slice(2, 8)}${listCount}`, extra);
      lists.set(list.id, list);
      return list;
    },
    rateLimitNext(count) {
      for (let i = 0; i < count; i++) scripted.push({ reply: p.tooManyConnections() });
    },
    rateLimitMemberCalls(count) {
      const matches = /\/members\/[0-9a-f]{32}/;
      for (let i = 0; i < count; i++) scripted.push({ reply: p.tooManyConnections(), matches });
    },
    failNext(count, status) {
      for (let i = 0; i < count; i++) {
        const reply = p.problem(
          status,
          'Internal Server Error',
          'An unexpected internal error has occurred.',
        );
        scripted.push({ reply });
      }
    },
    requests,
    timeline,
    peakFor: (email) => perMember.peak(p.subscriberHash(email)),
    peakConcurrency: () => peak,
    connectionRejections: () => rejections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
