import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fieldDefinitions } from './fields';
import {
  contactView,
  deleteJob,
  listRemovalJob,
  settleDue,
  upsertJob,
  type Job,
  type State,
} from './state';

/**
 * A local stand-in for SendGrid's Marketing Campaigns contacts API v3 on 127.0.0.1, with
 * contacts, lists and jobs in memory. Upserts and deletes answer 202 with a job id and apply
 * only when the job finishes, `jobDelayMs` later. Never imported by product code.
 */
export interface FakeSendgrid extends State {
  baseUrl: string;
  apiKey: string;
  /** how long new jobs stay `pending` */
  jobDelayMs: number;
  /** the next `count` requests answer 429 with `X-RateLimit-Reset` `resetInSeconds` */
  rateLimitNext(count: number, resetInSeconds?: number): void;
  requests: { method: string; path: string; body: unknown }[];
  contactByEmail(
    email: string,
  ): (State['contacts'] extends Map<string, infer C> ? C : never) | undefined;
  listNamesOf(email: string): string[];
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: unknown;
}

const maxUpsert = 30_000;
const errors = (message: string, field: string | null = null) => ({
  errors: [{ field, message }],
});

export async function startFakeSendgrid(
  options: { jobDelayMs?: number } = {},
): Promise<FakeSendgrid> {
  const apiKey = `SG.fake-${randomUUID().slice(0, 8)}`;
  const state: State = {
    contacts: new Map(),
    lists: new Map(),
    jobs: new Map(),
    refusals: new Map(),
  };
  const scripted: number[] = [];
  const requests: FakeSendgrid['requests'] = [];
  let baseUrl = '';

  function startJob(job_type: Job['job_type'], requested: number, apply: Job['apply']): Reply {
    const id = randomUUID();
    const dueAt = Date.now() + fake.jobDelayMs;
    state.jobs.set(id, {
      id,
      job_type,
      status: 'pending',
      dueAt,
      apply,
      errors: new Map(),
      requested,
    });
    return { status: 202, body: { job_id: id } };
  }

  function route(method: string, url: URL, body: Record<string, unknown>): Reply {
    const path = url.pathname;
    if (method === 'GET' && path === '/v3/marketing/field_definitions') {
      return { status: 200, body: fieldDefinitions };
    }
    if (path === '/v3/marketing/contacts' && method === 'PUT') {
      const contacts = body.contacts as Record<string, unknown>[] | undefined;
      if (!Array.isArray(contacts) || contacts.length === 0) {
        return { status: 400, body: errors('contacts is required', 'contacts') };
      }
      if (contacts.length > maxUpsert) return { status: 400, body: errors('too many contacts') };
      const listIds = (body.list_ids ?? []) as string[];
      const unknownList = listIds.find((id) => !state.lists.has(id));
      if (unknownList) return { status: 404, body: errors(`list ${unknownList} not found`) };
      // Malformed addresses are refused at once, for the whole request, naming each by index.
      const bad = contacts.flatMap((c, i) =>
        /^[^@\s]+@[^@\s]+$/.test(String(c.email ?? ''))
          ? []
          : [{ field: `contacts[${i}].email`, message: `email '${String(c.email)}' is not valid` }],
      );
      if (bad.length > 0) return { status: 400, body: { errors: bad } };
      return startJob('upsert', contacts.length, upsertJob(state, contacts, listIds));
    }
    if (path === '/v3/marketing/contacts' && method === 'DELETE') {
      const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
      if (ids.length === 0) return { status: 400, body: errors('ids is required', 'ids') };
      return startJob('delete', ids.length, deleteJob(state, ids));
    }
    if (path === '/v3/marketing/contacts/search/emails' && method === 'POST') {
      const result: Record<string, unknown> = {};
      for (const email of (body.emails ?? []) as string[]) {
        const contact = state.contacts.get(email.toLowerCase());
        result[email] = contact
          ? { contact: contactView(contact) }
          : { error: 'contact not found' };
      }
      const anyFound = Object.values(result).some((r) => (r as { contact?: unknown }).contact);
      return anyFound
        ? { status: 200, body: { result } }
        : { status: 404, body: errors('No contacts found') };
    }
    const imports = /^\/v3\/marketing\/contacts\/imports\/([^/]+)(\/errors)?$/.exec(path);
    if (imports && method === 'GET') {
      const job = state.jobs.get(imports[1]!);
      if (!job) return { status: 404, body: errors('job not found') };
      if (imports[2]) {
        const list = [...job.errors].map(([email, message]) => ({ email, message }));
        return { status: 200, body: { errors: list } };
      }
      const errored = job.errors.size;
      const results = {
        requested_count: job.requested,
        errored_count: errored,
        ...(errored > 0
          ? { errors_url: `${baseUrl}/v3/marketing/contacts/imports/${job.id}/errors` }
          : {}),
      };
      return {
        status: 200,
        body: { id: job.id, status: job.status, job_type: job.job_type, results },
      };
    }
    if (path === '/v3/marketing/lists' && method === 'GET') {
      return { status: 200, body: { result: [...state.lists.values()], _metadata: {} } };
    }
    if (path === '/v3/marketing/lists' && method === 'POST') {
      const name = String(body.name ?? '');
      if (!name) return { status: 400, body: errors('name is required', 'name') };
      if ([...state.lists.values()].some((l) => l.name === name)) {
        return { status: 400, body: errors('list name already exists', 'name') };
      }
      const list = { id: randomUUID(), name, contact_count: 0 };
      state.lists.set(list.id, list);
      return { status: 201, body: list };
    }
    const removal = /^\/v3\/marketing\/lists\/([^/]+)\/contacts$/.exec(path);
    if (removal && method === 'DELETE') {
      const ids = (url.searchParams.get('contact_ids') ?? '').split(',').filter(Boolean);
      if (!state.lists.has(removal[1]!)) return { status: 404, body: errors('list not found') };
      return startJob('list_removal', ids.length, listRemovalJob(state, removal[1]!, ids));
    }
    return { status: 404, body: errors('not found') };
  }

  function answer(req: IncomingMessage, raw: string): { reply: Reply; reset?: number } {
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      return { reply: { status: 401, body: errors('authorization required') } };
    }
    const url = new URL(req.url ?? '/', 'http://x');
    let body: Record<string, unknown>;
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return { reply: { status: 400, body: errors('invalid JSON') } };
    }
    requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, body });
    const reset = scripted.shift();
    if (reset !== undefined)
      return { reply: { status: 429, body: errors('too many requests') }, reset };
    settleDue(state);
    return { reply: route(req.method ?? 'GET', url, body) };
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { reply, reset } = answer(req, Buffer.concat(chunks).toString());
      res.writeHead(reply.status, {
        'content-type': 'application/json',
        'x-ratelimit-limit': '600',
        'x-ratelimit-remaining': reset === undefined ? '599' : '0',
        // Seconds until the window resets, as the recorded answers carry it.
        'x-ratelimit-reset': String(reset ?? 60),
      });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeSendgrid = {
    ...state,
    baseUrl,
    apiKey,
    jobDelayMs: options.jobDelayMs ?? 300,
    rateLimitNext(count, resetInSeconds = 1) {
      for (let i = 0; i < count; i++) scripted.push(resetInSeconds);
    },
    requests,
    contactByEmail(email) {
      settleDue(state);
      return state.contacts.get(email.toLowerCase());
    },
    listNamesOf(email) {
      const contact = fake.contactByEmail(email);
      return (contact?.list_ids ?? []).map((id) => state.lists.get(id)?.name ?? id).sort();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
