import { request, type Target } from './client';
import type { StepFailure } from './outcome';

export type { Target } from './client';

/** HubSpot's largest batch for the contact batch endpoints. */
export const batchLimit = 100;

export interface Contact {
  id: string;
  email: string;
}

export type PropertyValues = Record<string, string>;

const root = '/crm/v3/objects/contacts/batch';

function chunks<T>(items: T[], size = batchLimit): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const contactOf = (r: { id: string; properties?: { email?: string | null } }): Contact => ({
  id: r.id,
  email: (r.properties?.email ?? '').toLowerCase(),
});

/** Contacts by lower-cased email. Emails HubSpot does not know are simply absent. */
export async function readByEmail(
  target: Target,
  emails: string[],
): Promise<Map<string, Contact> | StepFailure> {
  const found = new Map<string, Contact>();
  for (const part of chunks(emails)) {
    const body = { idProperty: 'email', properties: ['email'], inputs: part.map((id) => ({ id })) };
    const result = await request(target, 'POST', `${root}/read`, body);
    if (result.kind !== 'ok') return { step: 'read contacts', result };
    // 207 lists the unknown emails under `errors` (OBJECT_NOT_FOUND): that is an answer.
    const results = (result.body as { results?: { id: string }[] } | undefined)?.results ?? [];
    for (const contact of results.map(contactOf)) found.set(contact.email, contact);
  }
  return found;
}

/** Archives contacts by id. HubSpot answers 204 for unknown or archived ids too. */
export async function archive(target: Target, ids: string[]): Promise<StepFailure | null> {
  for (const part of chunks(ids)) {
    const body = { inputs: part.map((id) => ({ id })) };
    const result = await request(target, 'POST', `${root}/archive`, body);
    if (result.kind !== 'ok') return { step: 'archive contacts', result };
  }
  return null;
}

// A 2xx that does not list an input: treated as a server fault, so it is retried.
const missingResult = {
  kind: 'error' as const,
  status: 502,
  category: 'MISSING_RESULT',
  message: "HubSpot's answer did not include this contact",
};

/** What happened to one input of a batch write: the contact written, or HubSpot's refusal. */
export type Written = Contact | StepFailure;

/**
 * Sends inputs in batches. HubSpot rejects a whole batch for one bad input (400, or 409 for
 * an email taken): the batch is split in halves and resent, down to the single input, so only
 * the culprits carry the refusal. Other failures (429, 5xx, network) hit the whole batch.
 */
async function writeSplitting(
  target: Target,
  step: string,
  action: 'create' | 'update',
  inputs: { id?: string; properties: PropertyValues }[],
): Promise<Written[]> {
  const result = await request(target, 'POST', `${root}/${action}`, { inputs });
  if (result.kind === 'ok') {
    const results = (result.body as { results?: { id: string }[] } | undefined)?.results ?? [];
    // HubSpot does not promise the input order in `results`: updates are matched by id,
    // creates by email (the id is new).
    const contacts = results.map(contactOf);
    const byKey = new Map(contacts.map((c) => [action === 'update' ? c.id : c.email, c]));
    return inputs.map((input) => {
      const { id, properties } = input;
      const key = action === 'update' ? id! : properties.email!.toLowerCase();
      return byKey.get(key) ?? { step, result: missingResult };
    });
  }
  const splittable = result.kind === 'error' && (result.status === 400 || result.status === 409);
  if (!splittable || inputs.length === 1) return inputs.map(() => ({ step, result }));
  const half = Math.ceil(inputs.length / 2);
  const first = await writeSplitting(target, step, action, inputs.slice(0, half));
  const second = await writeSplitting(target, step, action, inputs.slice(half));
  return [...first, ...second];
}

/** Creates contacts; `properties.email` is required in each. */
export async function create(target: Target, inputs: PropertyValues[]): Promise<Written[]> {
  const out: Written[] = [];
  for (const part of chunks(inputs)) {
    const sent = part.map((properties) => ({ properties }));
    out.push(...(await writeSplitting(target, 'create contacts', 'create', sent)));
  }
  return out;
}

/** Updates contacts by id; `properties.email` is required in each (it may rename). */
export async function update(
  target: Target,
  inputs: { id: string; properties: PropertyValues }[],
): Promise<Written[]> {
  const out: Written[] = [];
  for (const part of chunks(inputs)) {
    out.push(...(await writeSplitting(target, 'update contacts', 'update', part)));
  }
  return out;
}
