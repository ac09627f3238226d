import { fieldDefinitions } from './fields';

/** A contact as the local API stores it. */
export interface Contact {
  id: string;
  email: string;
  list_ids: string[];
  /** reserved fields by name */
  fields: Record<string, unknown>;
  /** custom fields by field id (the form an upsert sends) */
  custom_fields: Record<string, unknown>;
}

export interface Job {
  id: string;
  job_type: 'upsert' | 'delete' | 'list_removal';
  status: 'pending' | 'completed' | 'errored' | 'failed';
  /** when the job finishes, epoch ms */
  dueAt: number;
  /** the emails it concerns, for counting requests per contact */
  emails: string[];
  /** applies the job to the contacts; answers the refused emails with their reasons */
  apply: () => Map<string, string>;
  errors: Map<string, string>;
  requested: number;
}

/** What search answers for one email: a copy of the contact as it was at `at`, or its absence. */
interface Indexed {
  at: number;
  view: ReturnType<typeof contactView> | null;
}

export interface State {
  contacts: Map<string, Contact>;
  lists: Map<string, { id: string; name: string }>;
  jobs: Map<string, Job>;
  /** email → reason: an upsert job refuses that contact (as for an undeliverable address) */
  refusals: Map<string, string>;
  /** globally unsubscribed addresses (`/v3/asm/suppressions/global`), kept apart from contacts */
  suppressions: Set<string>;
  /** per email, what search shows and since when: search lags behind jobs by `searchLagMs` */
  index: Map<string, Indexed[]>;
  searchLagMs: number;
  /** job types whose next job fails whole, applying nothing (as SendGrid's `failed`) */
  failingJobs: Job['job_type'][];
  /** job types whose jobs stay `pending` (and hold the queue behind them) until released */
  heldJobs: Set<Job['job_type']>;
}

export function emptyState(searchLagMs: number): State {
  return {
    contacts: new Map(),
    lists: new Map(),
    jobs: new Map(),
    refusals: new Map(),
    suppressions: new Set(),
    index: new Map(),
    searchLagMs,
    failingJobs: [],
    heldJobs: new Set(),
  };
}

const customNames = new Map(fieldDefinitions.custom_fields.map((f) => [f.id, f.name]));

/** The contact as search answers it: reserved fields at the top, custom fields by name. */
export function contactView(c: Contact) {
  const custom = Object.fromEntries(
    Object.entries(c.custom_fields).map(([id, value]) => [customNames.get(id) ?? id, value]),
  );
  return {
    id: c.id,
    email: c.email,
    list_ids: [...c.list_ids],
    ...structuredClone(c.fields),
    custom_fields: custom,
  };
}

/** Records what search will show for `email` once the lag has passed. */
export function reindex(state: State, email: string, now = Date.now()): void {
  const contact = state.contacts.get(email);
  const entries = state.index.get(email) ?? [];
  entries.push({ at: now, view: contact ? contactView(contact) : null });
  // Only the newest entry already visible, and the ones still to come, can be answered.
  const visible = entries.filter((e) => e.at <= now - state.searchLagMs);
  const keep = entries.length - Math.max(0, visible.length - 1);
  state.index.set(email, entries.slice(entries.length - keep));
}

/** What search answers for `email` now: the newest version older than the lag. */
export function searchView(state: State, email: string, now = Date.now()) {
  const entries = state.index.get(email) ?? [];
  const visible = entries.filter((e) => e.at <= now - state.searchLagMs);
  return visible.at(-1)?.view ?? null;
}
