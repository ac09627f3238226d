import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { settleDue } from './jobs';
import { InFlight, RateWindows, type RateLimitOptions } from './limits';
import { emailsOf, endpointOf, errors, route, type Reply } from './routes';
import { emptyState, reindex, type Contact, type Job, type State } from './state';

/**
 * A local stand-in for SendGrid's Marketing Campaigns contacts API v3 on 127.0.0.1, with
 * contacts, lists and jobs in memory. Upserts, deletes and list removals answer 202 with a job
 * id and apply only when the job finishes, `jobDelayMs` later; search shows what jobs did only
 * `searchLagMs` after that. Past the rate limit it answers 429 with SendGrid's headers. Never
 * imported by product code.
 */
export interface FakeSendgrid extends Pick<
  State,
  'contacts' | 'lists' | 'jobs' | 'refusals' | 'suppressions' | 'searchLagMs'
> {
  baseUrl: string;
  apiKey: string;
  /** how long new jobs stay `pending` */
  jobDelayMs: number;
  /** the next `count` requests answer 429 with `X-RateLimit-Reset` `resetInSeconds` */
  rateLimitNext(count: number, resetInSeconds?: number): void;
  /**
   * The next `count` requests whose "METHOD /path" starts with `prefix` answer `status` (a 429
   * with `X-RateLimit-Reset` `resetInSeconds`).
   */
  failNext(count: number, status: number, prefix: string, resetInSeconds?: number): void;
  /** the next job of `type` ends `failed`, applying nothing */
  failNextJob(type: Job['job_type']): void;
  /** jobs of `type` stay pending until `held` is false again (jobs run in order behind them) */
  holdJobs(type: Job['job_type'], held: boolean): void;
  /** a contact someone else created in SendGrid (in these lists, made if missing) */
  addContact(email: string, more?: { fields?: Record<string, unknown>; lists?: string[] }): Contact;
  /** someone else edits a contact's reserved fields (by name) or custom fields (by id) */
  editContact(
    email: string,
    edit: { fields?: Record<string, unknown>; custom?: Record<string, unknown> },
  ): void;
  /** someone else adds an existing contact to a list (made if missing) */
  addToList(email: string, listName: string): void;
  /** someone else deletes a contact */
  removeContact(email: string): void;
  /** requests seen, in arrival order, with the status answered */
  requests: { method: string; path: string; body: unknown; status: number; at: number }[];
  /** the rate limit's counters: 429s sent, and requests sent before an announced reset */
  rateWindows: RateWindows;
  /** most requests in flight at once, overall and for one contact's email */
  peakInFlight(): number;
  peakInFlightFor(email: string): number;
  contactByEmail(email: string): Contact | undefined;
  listNamesOf(email: string): string[];
  /** creates a list as a marketer would in SendGrid's UI; answers its id */
  createList(name: string): string;
  close(): Promise<void>;
}

export interface FakeSendgridOptions {
  jobDelayMs?: number;
  /** how long search keeps answering what contacts were before a job changed them */
  searchLagMs?: number;
  /** how long every answer is held back, so concurrent requests overlap */
  latencyMs?: number;
  rateLimit?: RateLimitOptions;
}

export async function startFakeSendgrid(options: FakeSendgridOptions = {}): Promise<FakeSendgrid> {
  const apiKey = `SG.fake-${randomUUID().slice(0, 8)}`;
  const state = emptyState(options.searchLagMs ?? 0);
  const scripted: number[] = [];
  const failures: { prefix: string; status: number; reset: number }[] = [];
  const requests: FakeSendgrid['requests'] = [];
  const rateWindows = new RateWindows(options.rateLimit);
  const inFlight = new InFlight();
  let baseUrl = '';

  function parse(raw: string): Record<string, unknown> | null {
    try {
      return raw ? JSON.parse(raw) : {};
    } catch {
      return null;
    }
  }

  function answer(
    req: IncomingMessage,
    url: URL,
    body: Record<string, unknown> | null,
  ): { reply: Reply; headers: Record<string, string> } {
    const method = req.method ?? 'GET';
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      return { reply: { status: 401, body: errors('authorization required') }, headers: {} };
    }
    const limit = rateWindows.count(endpointOf(method, url.pathname));
    const tooMany = { status: 429, body: errors('too many requests') };
    const reset = scripted.shift();
    if (reset !== undefined) {
      const headers = { ...limit.headers, 'x-ratelimit-remaining': '0' };
      return { reply: tooMany, headers: { ...headers, 'x-ratelimit-reset': String(reset) } };
    }
    if (!limit.allowed) return { reply: tooMany, headers: limit.headers };
    const headers = limit.headers;
    const failing = failures.findIndex((f) => `${method} ${url.pathname}`.startsWith(f.prefix));
    if (failing >= 0) {
      const { status, reset } = failures.splice(failing, 1)[0]!;
      if (status === 429) {
        const limited = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) };
        return { reply: tooMany, headers: { ...headers, ...limited } };
      }
      return { reply: { status, body: errors(`scripted ${status}`) }, headers };
    }
    if (body === null) return { reply: { status: 400, body: errors('invalid JSON') }, headers };
    const ctx = { state, baseUrl, jobDelayMs: fake.jobDelayMs };
    return { reply: route(ctx, method, url, body), headers };
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = parse(Buffer.concat(chunks).toString());
      settleDue(state);
      const done = inFlight.start(emailsOf(state, req.method ?? 'GET', url, body ?? {}));
      res.on('close', done);
      const { reply, headers } = answer(req, url, body);
      const method = req.method ?? 'GET';
      const at = Date.now();
      requests.push({ method, path: url.pathname + url.search, body, status: reply.status, at });
      setTimeout(() => {
        res.writeHead(reply.status, { 'content-type': 'application/json', ...headers });
        res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      }, options.latencyMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeSendgrid = {
    contacts: state.contacts,
    lists: state.lists,
    jobs: state.jobs,
    refusals: state.refusals,
    suppressions: state.suppressions,
    get searchLagMs() {
      return state.searchLagMs;
    },
    set searchLagMs(ms) {
      state.searchLagMs = ms;
    },
    baseUrl,
    apiKey,
    jobDelayMs: options.jobDelayMs ?? 300,
    rateLimitNext(count, resetInSeconds = 1) {
      for (let i = 0; i < count; i++) scripted.push(resetInSeconds);
    },
    failNext(count, status, prefix, resetInSeconds = 1) {
      for (let i = 0; i < count; i++) failures.push({ prefix, status, reset: resetInSeconds });
    },
    failNextJob(type) {
      state.failingJobs.push(type);
    },
    holdJobs(type, held) {
      if (held) state.heldJobs.add(type);
      else state.heldJobs.delete(type);
    },
    addContact(email, more = {}) {
      const contact: Contact = {
        id: randomUUID(),
        email: email.toLowerCase(),
        list_ids: [],
        fields: { ...more.fields },
        custom_fields: {},
      };
      state.contacts.set(contact.email, contact);
      for (const name of more.lists ?? []) fake.addToList(contact.email, name);
      reindex(state, contact.email);
      return contact;
    },
    editContact(email, edit) {
      const contact = state.contacts.get(email.toLowerCase())!;
      Object.assign(contact.fields, edit.fields);
      Object.assign(contact.custom_fields, edit.custom);
      reindex(state, contact.email);
    },
    addToList(email, listName) {
      const contact = state.contacts.get(email.toLowerCase())!;
      const list = [...state.lists.values()].find((l) => l.name === listName);
      const id = list?.id ?? fake.createList(listName);
      contact.list_ids = [...new Set([...contact.list_ids, id])];
      reindex(state, contact.email);
    },
    removeContact(email) {
      state.contacts.delete(email.toLowerCase());
      reindex(state, email.toLowerCase());
    },
    requests,
    rateWindows,
    peakInFlight: () => inFlight.peak(),
    peakInFlightFor: (email) => inFlight.peakFor(email),
    contactByEmail(email) {
      settleDue(state);
      return state.contacts.get(email.toLowerCase());
    },
    listNamesOf(email) {
      const contact = fake.contactByEmail(email);
      return (contact?.list_ids ?? []).map((id) => state.lists.get(id)?.name ?? id).sort();
    },
    createList(name) {
      const id = randomUUID();
      state.lists.set(id, { id, name });
      return id;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
