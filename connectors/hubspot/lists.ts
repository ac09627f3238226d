import { request, tokenId, type Target } from './client';
import type { StepFailure } from './outcome';

/** HubSpot's object type id of contacts, used by the v3 lists API. */
const contactsObjectType = '0-1';

// List ids rarely change; ten minutes (Grouparoo's cache time) spares a lookup per batch.
const cacheMs = 10 * 60_000;
const cache = new Map<string, { at: number; id: Promise<string | StepFailure> }>();

interface ListBody {
  list?: { listId?: string | number; processingType?: string };
}

const refused = (message: string): StepFailure['result'] => ({
  kind: 'error',
  status: 400,
  category: 'VALIDATION_ERROR',
  message,
});

async function lookUpOrCreate(target: Target, name: string): Promise<string | StepFailure> {
  const path = `/crm/v3/lists/object-type-id/${contactsObjectType}/name/${encodeURIComponent(name)}`;
  for (let tries = 0; tries < 2; tries++) {
    let result = await request(target, 'GET', path);
    if (result.kind === 'error' && result.status === 404) {
      const body = { name, objectTypeId: contactsObjectType, processingType: 'MANUAL' };
      result = await request(target, 'POST', '/crm/v3/lists', body);
      // Someone else created it meanwhile: read it again.
      if (result.kind === 'error' && result.status === 409) continue;
    }
    if (result.kind !== 'ok') return { step: `find or create list "${name}"`, result };
    const list = (result.body as ListBody | undefined)?.list;
    if (list?.processingType === 'DYNAMIC') {
      // HubSpot decides the members of an active list; we must not pretend to manage it.
      const message = `"${name}" is an active (DYNAMIC) list; groups need a static list`;
      return { step: `find list "${name}"`, result: refused(message) };
    }
    return String(list?.listId);
  }
  return { step: `create list "${name}"`, result: refused('the list kept conflicting') };
}

/**
 * The id of the static contact list named `name`, created when missing. Lookups are shared by
 * concurrent batches of the process, so one name never creates two lists here.
 */
export function listId(target: Target, name: string): Promise<string | StepFailure> {
  const key = `${tokenId(target.options.accessToken)} ${target.options.baseUrl ?? ''} ${name}`;
  const cached = cache.get(key);
  if (cached && Date.now() - cached.at < cacheMs) return cached.id;
  const id = lookUpOrCreate(target, name).then((found) => {
    // Failures are not cached: the next batch asks again.
    if (typeof found !== 'string') cache.delete(key);
    return found;
  });
  cache.set(key, { at: Date.now(), id });
  return id;
}

function forget(target: Target, name: string) {
  cache.delete(`${tokenId(target.options.accessToken)} ${target.options.baseUrl ?? ''} ${name}`);
}

/**
 * Adds contacts to, or removes them from, the list named `name`. Contacts already in (or not
 * in) the list are ignored by HubSpot. A list deleted since we cached its id is found again.
 */
export async function changeMembers(
  target: Target,
  name: string,
  action: 'add' | 'remove',
  contactIds: string[],
): Promise<StepFailure | null> {
  for (let tries = 0; tries < 2; tries++) {
    const id = await listId(target, name);
    if (typeof id !== 'string') return id;
    const path = `/crm/v3/lists/${encodeURIComponent(id)}/memberships/${action}`;
    const result = await request(target, 'PUT', path, contactIds);
    if (result.kind === 'ok') return null;
    if (result.kind === 'error' && result.status === 404 && tries === 0) {
      forget(target, name);
      // A deleted list has no members left to remove.
      if (action === 'remove') return null;
      continue;
    }
    return { step: `${action === 'add' ? 'add to' : 'remove from'} list "${name}"`, result };
  }
  return null;
}
