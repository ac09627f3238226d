import type { ExportOutcome } from '../types';
import type { ExportTarget } from './export';
import { changeMembers } from './lists';
import type { StepFailure } from './outcome';
import { listName } from './payload';

/** A contact's list changes for one profile; `contact` is an id, or an email to create. */
export interface Membership {
  profileId: string;
  contact: string | { created: string };
  add: string[];
  remove: string[];
}

/** Per list: removals first, then additions, so the newest wish wins for a shared contact. */
export async function applyMemberships(
  target: ExportTarget,
  memberships: Membership[],
  done: Map<string, ExportOutcome>,
  createdIds: Map<string, string>,
  fail: (profileIds: string[], failure: StepFailure) => void,
) {
  type Calls = { add: Map<string, string[]>; remove: Map<string, string[]> };
  const byList = new Map<string, Calls>();
  for (const m of memberships) {
    if (done.has(m.profileId)) continue;
    const id = typeof m.contact === 'string' ? m.contact : createdIds.get(m.contact.created);
    if (!id) continue;
    for (const action of ['add', 'remove'] as const) {
      for (const group of m[action]) {
        const name = listName(target.listPrefix, group);
        let calls = byList.get(name);
        if (!calls) byList.set(name, (calls = { add: new Map(), remove: new Map() }));
        calls[action].set(id, [...(calls[action].get(id) ?? []), m.profileId]);
      }
    }
  }
  await Promise.all(
    [...byList.entries()].map(async ([name, calls]) => {
      for (const action of ['remove', 'add'] as const) {
        const ids = [...calls[action].keys()];
        if (ids.length === 0) continue;
        const failure = await changeMembers(target, name, action, ids);
        if (failure)
          fail(
            ids.flatMap((id) => calls[action].get(id)!),
            failure,
          );
      }
    }),
  );
}
