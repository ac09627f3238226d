import { randomUUID } from 'node:crypto';

/** A contact as SendGrid's search answers it (the fields we use). */
export interface Contact {
  id: string;
  email: string;
  list_ids: string[];
  /** reserved fields by name */
  fields: Record<string, unknown>;
  /** custom fields by field id */
  custom_fields: Record<string, unknown>;
}

export interface Job {
  id: string;
  job_type: 'upsert' | 'delete' | 'list_removal';
  status: 'pending' | 'completed' | 'errored' | 'failed';
  /** when the job finishes, epoch ms */
  dueAt: number;
  /** applies the job to the contacts; answers the refused emails with their reasons */
  apply: () => Map<string, string>;
  errors: Map<string, string>;
  requested: number;
}

export interface State {
  contacts: Map<string, Contact>;
  lists: Map<string, { id: string; name: string }>;
  jobs: Map<string, Job>;
  /** email → reason: an upsert job refuses that contact (as for an undeliverable address) */
  refusals: Map<string, string>;
}

/** Finishes due jobs in the order they were created, as one queue would. */
export function settleDue(state: State, now = Date.now()): void {
  for (const job of state.jobs.values()) {
    if (job.status !== 'pending') continue;
    if (job.dueAt > now) return;
    job.errors = job.apply();
    const all = job.errors.size >= job.requested && job.requested > 0;
    job.status = job.errors.size === 0 ? 'completed' : all ? 'failed' : 'errored';
  }
}

export function upsertJob(state: State, contacts: Record<string, unknown>[], listIds: string[]) {
  return () => {
    const errors = new Map<string, string>();
    for (const input of contacts) {
      const email = String(input.email).toLowerCase();
      const refusal = state.refusals.get(email);
      if (refusal) {
        errors.set(email, refusal);
        continue;
      }
      const { email: _, custom_fields, ...fields } = input;
      const contact = state.contacts.get(email) ?? {
        id: randomUUID(),
        email,
        list_ids: [],
        fields: {},
        custom_fields: {},
      };
      Object.assign(contact.fields, fields);
      Object.assign(contact.custom_fields, custom_fields ?? {});
      contact.list_ids = [...new Set([...contact.list_ids, ...listIds])];
      state.contacts.set(email, contact);
    }
    return errors;
  };
}

export function deleteJob(state: State, ids: string[]) {
  return () => {
    for (const [email, contact] of state.contacts) {
      if (ids.includes(contact.id)) state.contacts.delete(email);
    }
    return new Map<string, string>();
  };
}

export function listRemovalJob(state: State, listId: string, ids: string[]) {
  return () => {
    for (const contact of state.contacts.values()) {
      if (ids.includes(contact.id)) contact.list_ids = contact.list_ids.filter((l) => l !== listId);
    }
    return new Map<string, string>();
  };
}

/** The search answer's view of a contact. */
export function contactView(c: Contact) {
  return {
    id: c.id,
    email: c.email,
    list_ids: c.list_ids,
    ...c.fields,
    custom_fields: c.custom_fields,
  };
}
