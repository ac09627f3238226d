import { randomUUID } from 'node:crypto';
import { fieldDefinitions } from './fields';
import { deleteJob, emailsOfIds, listRemovalJob, upsertJob } from './jobs';
import { searchView, type Job, type State } from './state';

/** SendGrid's documented limit on the ids of one contacts or list-removal DELETE. */
const maxIdsPerCall = 100;

/** The calls the local API answers, as SendGrid documents them and the recordings show. */

export interface Reply {
  status: number;
  body: unknown;
}

export interface RouteContext {
  state: State;
  baseUrl: string;
  jobDelayMs: number;
}

const maxUpsert = 30_000;
const maxSearch = 100;
const emailPattern = /^[^@\s]+@[^@\s]+$/;

export const errors = (message: string, field: string | null = null) => ({
  errors: [{ field, message }],
});

const idsParam = (url: URL, name: string) =>
  (url.searchParams.get(name) ?? '').split(',').filter(Boolean);

/** The path with ids replaced, naming the endpoint a rate-limit window counts. */
export function endpointOf(method: string, path: string): string {
  const template = path
    .replace(/\/imports\/[^/]+(\/errors)?$/, '/imports/{id}$1')
    .replace(/\/lists\/[^/]+/, '/lists/{id}')
    .replace(/\/global\/[^/]+$/, '/global/{email}');
  return `${method} ${template}`;
}

/** The contact emails a request concerns, for counting requests in flight per contact. */
export function emailsOf(state: State, method: string, url: URL, body: Record<string, unknown>) {
  const path = url.pathname;
  if (path === '/v3/marketing/contacts' && method === 'PUT') {
    const contacts = Array.isArray(body.contacts) ? (body.contacts as { email?: unknown }[]) : [];
    return contacts.map((c) => String(c.email ?? '').toLowerCase());
  }
  if (path.endsWith('/search/emails')) {
    const emails = Array.isArray(body.emails) ? (body.emails as unknown[]) : [];
    return emails.map((e) => String(e).toLowerCase());
  }
  if (path === '/v3/marketing/contacts') return emailsOfIds(state, idsParam(url, 'ids'));
  if (/\/lists\/[^/]+\/contacts$/.test(path)) {
    return emailsOfIds(state, idsParam(url, 'contact_ids'));
  }
  const job = /\/imports\/([^/]+)/.exec(path);
  return job ? (state.jobs.get(job[1]!)?.emails ?? []) : [];
}

export function route(ctx: RouteContext, method: string, url: URL, body: Record<string, unknown>) {
  const { state } = ctx;
  const path = url.pathname;

  function startJob(type: Job['job_type'], emails: string[], apply: Job['apply']): Reply {
    const id = randomUUID();
    const failing = state.failingJobs.indexOf(type);
    if (failing >= 0) {
      state.failingJobs.splice(failing, 1);
      // Every contact refused, nothing applied: SendGrid reports such a job as `failed`.
      const refuse = () => new Map(emails.map((e) => [e, 'the job could not be processed']));
      apply = emails.length > 0 ? refuse : apply;
    }
    const dueAt = Date.now() + ctx.jobDelayMs;
    const job: Job = {
      id,
      job_type: type,
      status: 'pending',
      dueAt,
      emails,
      apply,
      errors: new Map(),
      requested: emails.length,
    };
    state.jobs.set(id, job);
    return { status: 202, body: { job_id: id } };
  }

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
      emailPattern.test(String(c.email ?? ''))
        ? []
        : [{ field: `contacts[${i}].email`, message: `email '${String(c.email)}' is not valid` }],
    );
    if (bad.length > 0) return { status: 400, body: { errors: bad } };
    const emails = contacts.map((c) => String(c.email).toLowerCase());
    return startJob('upsert', emails, upsertJob(state, contacts, listIds));
  }
  if (path === '/v3/marketing/contacts' && method === 'DELETE') {
    const ids = idsParam(url, 'ids');
    if (ids.length === 0) return { status: 400, body: errors('ids is required', 'ids') };
    if (ids.length > maxIdsPerCall)
      return { status: 400, body: errors(`ids may hold at most ${maxIdsPerCall} ids`, 'ids') };
    return startJob('delete', emailsOfIds(state, ids), deleteJob(state, ids));
  }
  if (path === '/v3/marketing/contacts/search/emails' && method === 'POST') {
    const emails = (body.emails ?? []) as string[];
    if (emails.length > maxSearch) return { status: 400, body: errors('too many emails') };
    const result: Record<string, unknown> = {};
    for (const email of emails) {
      const view = searchView(state, email.toLowerCase());
      result[email.toLowerCase()] = view ? { contact: view } : { error: 'contact not found' };
    }
    const anyFound = Object.values(result).some((r) => (r as { contact?: unknown }).contact);
    return anyFound
      ? { status: 200, body: { result } }
      : { status: 404, body: errors('No contacts found') };
  }
  const imports = /^\/v3\/marketing\/contacts\/imports\/([^/]+)(\/errors)?$/.exec(path);
  if (imports && method === 'GET') return importStatus(ctx, imports[1]!, Boolean(imports[2]));
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
    const ids = idsParam(url, 'contact_ids');
    if (!state.lists.has(removal[1]!)) return { status: 404, body: errors('list not found') };
    if (ids.length === 0) return { status: 400, body: errors('contact_ids is required') };
    if (ids.length > maxIdsPerCall)
      return { status: 400, body: errors(`contact_ids may hold at most ${maxIdsPerCall} ids`) };
    const emails = emailsOfIds(state, ids);
    return startJob('list_removal', emails, listRemovalJob(state, removal[1]!, ids));
  }
  const suppression = /^\/v3\/asm\/suppressions\/global\/([^/]+)$/.exec(path);
  if (suppression) {
    const email = decodeURIComponent(suppression[1]!).toLowerCase();
    if (method === 'DELETE') {
      state.suppressions.delete(email);
      return { status: 204, body: undefined };
    }
    if (method === 'GET') {
      const found = state.suppressions.has(email);
      return { status: 200, body: found ? { recipient_email: email } : {} };
    }
  }
  return { status: 404, body: errors('not found') };
}

function importStatus(ctx: RouteContext, jobId: string, errorsFile: boolean): Reply {
  const job = ctx.state.jobs.get(jobId);
  if (!job) return { status: 404, body: errors('job not found') };
  if (errorsFile) {
    const list = [...job.errors].map(([email, message]) => ({ email, message }));
    return { status: 200, body: { errors: list } };
  }
  const errored = job.errors.size;
  const results = {
    requested_count: job.requested,
    errored_count: errored,
    ...(errored > 0
      ? { errors_url: `${ctx.baseUrl}/v3/marketing/contacts/imports/${job.id}/errors` }
      : {}),
  };
  return {
    status: 200,
    body: { id: job.id, status: job.status, job_type: job.job_type, results },
  };
}
