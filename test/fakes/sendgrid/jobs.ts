import { randomUUID } from 'node:crypto';
import { fieldDefinitions } from './fields';
import { reindex, type State } from './state';

/**
 * What the local API's asynchronous jobs do when they run. As recorded, an upsert whose
 * contact carries a value its field cannot hold (a custom Date "AAAAA") is still answered 202;
 * the job then leaves that contact unchanged and names it in its errors.
 */

/** Finishes due jobs in the order they were created, as one queue would. */
export function settleDue(state: State, now = Date.now()): void {
  for (const job of state.jobs.values()) {
    if (job.status !== 'pending') continue;
    if (job.dueAt > now || state.heldJobs.has(job.job_type)) return;
    job.errors = job.apply();
    const all = job.errors.size >= job.requested && job.requested > 0;
    job.status = job.errors.size === 0 ? 'completed' : all ? 'failed' : 'errored';
  }
}

const customTypes = new Map(fieldDefinitions.custom_fields.map((f) => [f.id, f]));

/** Why SendGrid would refuse a custom value, or null when the field can hold it. */
function badValue(fieldId: string, value: unknown): string | null {
  const field = customTypes.get(fieldId);
  if (!field) return `unknown custom field id '${fieldId}'`;
  // "" clears a field of any type.
  if (value === '') return null;
  if (field.field_type === 'Number' && typeof value !== 'number') {
    return `custom field '${field.name}' must be a number`;
  }
  if (field.field_type === 'Date' && Number.isNaN(Date.parse(String(value)))) {
    return `custom field '${field.name}' must be a date`;
  }
  return null;
}

export function upsertJob(state: State, contacts: Record<string, unknown>[], listIds: string[]) {
  return () => {
    const errors = new Map<string, string>();
    for (const input of contacts) {
      const email = String(input.email).toLowerCase();
      const { email: _, custom_fields, ...fields } = input;
      const custom = (custom_fields ?? {}) as Record<string, unknown>;
      const refusal =
        state.refusals.get(email) ??
        Object.entries(custom)
          .map(([id, value]) => badValue(id, value))
          .find((reason) => reason !== null);
      if (refusal) {
        errors.set(email, refusal);
        continue;
      }
      const contact = state.contacts.get(email) ?? {
        id: randomUUID(),
        email,
        list_ids: [],
        fields: {},
        custom_fields: {},
      };
      Object.assign(contact.fields, fields);
      Object.assign(contact.custom_fields, custom);
      contact.list_ids = [...new Set([...contact.list_ids, ...listIds])];
      state.contacts.set(email, contact);
      reindex(state, email);
    }
    return errors;
  };
}

export function deleteJob(state: State, ids: string[]) {
  return () => {
    for (const [email, contact] of state.contacts) {
      if (!ids.includes(contact.id)) continue;
      state.contacts.delete(email);
      reindex(state, email);
    }
    return new Map<string, string>();
  };
}

export function listRemovalJob(state: State, listId: string, ids: string[]) {
  return () => {
    for (const contact of state.contacts.values()) {
      if (!ids.includes(contact.id)) continue;
      contact.list_ids = contact.list_ids.filter((l) => l !== listId);
      reindex(state, contact.email);
    }
    return new Map<string, string>();
  };
}

/** The emails of the contacts with these ids (a delete or removal names contacts by id). */
export function emailsOfIds(state: State, ids: string[]): string[] {
  return [...state.contacts.values()].filter((c) => ids.includes(c.id)).map((c) => c.email);
}
