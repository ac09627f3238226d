import * as e from './errors';
import type { Reply } from './errors';
import type { HubspotState } from './state';

/**
 * The CRM v3 calls the connector makes, answered from in-memory state: contact batch
 * endpoints, contact properties, and v3 lists with their memberships.
 */

type Inputs = { inputs?: { id?: string; properties?: Record<string, unknown> }[] };
const batchLimit = 100;
const now = () => new Date().toISOString();

function batchResult(status: number, results: unknown[], errors: unknown[] = []): Reply {
  const body = { status: 'COMPLETE', results, startedAt: now(), completedAt: now() };
  if (errors.length === 0) return { status, body };
  return { status: 207, body: { ...body, numErrors: errors.length, errors } };
}

const notFoundIds = (ids: string[]) => ({
  status: 'error',
  category: 'OBJECT_NOT_FOUND',
  message:
    'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.',
  context: { ids },
});

function read(s: HubspotState, body: Inputs & { idProperty?: string; properties?: string[] }) {
  const ids = (body.inputs ?? []).map((i) => String(i.id));
  const found = ids.map((id) => (body.idProperty === 'email' ? s.byEmail(id) : s.live(id)));
  const results = found.filter((c) => c !== undefined).map((c) => s.view(c!, body.properties));
  const missing = ids.filter((_, i) => !found[i]);
  return batchResult(200, results, missing.length ? [notFoundIds(missing)] : []);
}

function create(s: HubspotState, body: Inputs): Reply {
  const inputs = body.inputs ?? [];
  const emails = inputs.map((i) => String(i.properties?.email ?? '').toLowerCase());
  // HubSpot validates the whole batch first, and refuses all of it for one bad input.
  for (const input of inputs) {
    const invalid = s.invalid(input.properties ?? {});
    if (invalid) return e.invalidProperties([invalid]);
  }
  if (new Set(emails).size !== emails.length) return e.duplicateInputs('emails');
  for (const email of emails) {
    const existing = email ? s.byEmail(email) : undefined;
    if (existing) return e.contactExists(existing.id);
  }
  const results = inputs.map((input) => {
    const c = {
      id: s.newId(),
      properties: {},
      createdAt: now(),
      updatedAt: now(),
      archived: false,
    };
    s.write(c, input.properties ?? {});
    s.contacts.set(c.id, c);
    return s.view(c);
  });
  return batchResult(201, results);
}

function update(s: HubspotState, body: Inputs): Reply {
  const inputs = body.inputs ?? [];
  const ids = inputs.map((i) => String(i.id));
  if (new Set(ids).size !== ids.length) return e.duplicateInputs('IDs');
  for (const input of inputs) {
    const invalid = s.invalid(input.properties ?? {});
    if (invalid) return e.invalidProperties([invalid]);
    const email = input.properties?.email;
    const owner = typeof email === 'string' && email ? s.byEmail(email) : undefined;
    if (owner && owner.id !== String(input.id)) return e.contactExists(owner.id);
  }
  const missing = ids.filter((id) => !s.live(id));
  const results = inputs
    .filter((i) => s.live(String(i.id)))
    .map((i) => {
      const c = s.live(String(i.id))!;
      s.write(c, i.properties ?? {});
      return s.view(c);
    });
  return batchResult(200, results, missing.length ? [notFoundIds(missing)] : []);
}

function memberships(s: HubspotState, listId: string, action: string, body: unknown): Reply {
  const list = s.lists.get(listId);
  if (!list) return e.notFound(`List ${listId} does not exist.`);
  if (list.processingType === 'DYNAMIC') {
    return e.error(400, 'VALIDATION_ERROR', `List ${listId} is not a MANUAL or SNAPSHOT list`);
  }
  const ids = Array.isArray(body) ? body.map(String) : [];
  const known = ids.filter((id) => s.live(id));
  const recordIdsMissing = ids.filter((id) => !s.live(id));
  for (const id of known) {
    if (action === 'add') list.members.add(id);
    else list.members.delete(id);
  }
  const done = action === 'add' ? 'recordIdsAdded' : 'recordIdsRemoved';
  return { status: 200, body: { [done]: known, recordIdsMissing } };
}

export function route(s: HubspotState, method: string, path: string, body: unknown): Reply {
  const batch = /^\/crm\/v3\/objects\/contacts\/batch\/(read|create|update|archive)$/.exec(path);
  if (method === 'POST' && batch) {
    const inputs = (body as Inputs).inputs;
    if (!Array.isArray(inputs)) return e.error(400, 'VALIDATION_ERROR', 'inputs is required');
    if (inputs.length > batchLimit) return e.tooManyInputs(inputs.length);
    if (batch[1] === 'read') return read(s, body as Inputs);
    if (batch[1] === 'create') return create(s, body as Inputs);
    if (batch[1] === 'update') return update(s, body as Inputs);
    for (const input of inputs) s.archive(String(input.id));
    return { status: 204 };
  }
  if (method === 'GET' && path === '/crm/v3/objects/contacts') {
    const results = [...s.contacts.values()].filter((c) => !c.archived).slice(0, 1);
    return { status: 200, body: { results: results.map((c) => s.view(c)) } };
  }
  if (method === 'GET' && path === '/crm/v3/properties/contacts') {
    const results = s.properties.map((p) => ({
      name: p.name,
      label: p.name,
      type: p.type,
      fieldType: p.fieldType,
      groupName: 'contactinformation',
      calculated: p.calculated ?? false,
      modificationMetadata: { readOnlyValue: p.readOnly ?? false, archivable: true },
    }));
    return { status: 200, body: { results } };
  }
  const byName = /^\/crm\/v3\/lists\/object-type-id\/0-1\/name\/([^/]+)$/.exec(path);
  if (method === 'GET' && byName) {
    const name = decodeURIComponent(byName[1]!);
    const list = s.listByName(name);
    return list
      ? { status: 200, body: { list: s.listView(list) } }
      : e.notFound(`List does not exist with name ${name}.`);
  }
  if (method === 'POST' && path === '/crm/v3/lists') {
    const { name, objectTypeId, processingType } = body as Record<string, string>;
    if (!name || objectTypeId !== '0-1' || !processingType) {
      return e.error(400, 'VALIDATION_ERROR', 'name, objectTypeId and processingType are required');
    }
    if (s.listByName(name)) return e.error(409, 'CONFLICT', `A list named ${name} already exists`);
    const list = s.addList(name, processingType as 'MANUAL');
    return { status: 200, body: { list: s.listView(list) } };
  }
  const member = /^\/crm\/v3\/lists\/([^/]+)\/memberships\/(add|remove)$/.exec(path);
  if (method === 'PUT' && member) return memberships(s, member[1]!, member[2]!, body);
  return e.notFound();
}
