import type { SyncOperations } from '../../lib/domain';
import type { ExportChange, ExportOutcome } from '../types';
import * as contacts from './contacts';
import { emailField, readContactProperties } from './fields';
import { applyMemberships, type Membership } from './memberships';
import { outcomeOf, type StepFailure } from './outcome';
import { emailKey, emailOf, minus, propertiesOf } from './payload';

export interface ExportTarget extends contacts.Target {
  syncOperations: SyncOperations;
  listPrefix: string;
}

/** One input per contact: changes that land on the same contact share it (newest last). */
interface Write {
  properties: contacts.PropertyValues;
  profileIds: string[];
}

const propertiesOfWrite = (w: Write) => w.properties;

function collect(writes: Map<string, Write>, key: string, w: Write) {
  const seen = writes.get(key);
  if (!seen) writes.set(key, w);
  else {
    Object.assign(seen.properties, w.properties);
    seen.profileIds.push(...w.profileIds);
  }
}

/**
 * Exports a batch with HubSpot's batch endpoints: one read of every old and new email, then
 * archives, updates, creates (each at most 100 per call), then list memberships grouped by
 * list. A profile's outcome is decided by the first step that failed for it.
 */
export async function exportContacts(
  target: ExportTarget,
  changes: ExportChange[],
): Promise<ExportOutcome[]> {
  const done = new Map<string, ExportOutcome>();
  const fail = (profileIds: string[], failure: StepFailure) => {
    for (const id of profileIds) if (!done.has(id)) done.set(id, outcomeOf(id, failure));
  };
  const info = (profileId: string, message: string) =>
    done.set(profileId, { profileId, status: 'failed', level: 'info', message });
  const result = (): ExportOutcome[] =>
    changes.map((c) => done.get(c.profileId) ?? { profileId: c.profileId, status: 'complete' });

  // The engine sends a profile once per batch. Should two of its changes arrive together, only
  // the newest (last) is sent: merged, a field or group the newer one dropped would come back.
  const newest = [...new Map(changes.map((c) => [c.profileId, c])).values()];
  const live = newest.filter((c) => {
    if (c.toDelete && !target.syncOperations.delete) {
      info(c.profileId, 'not deleted: the sync mode never deletes');
    } else if (!c.toDelete && !emailOf(c.newProperties[emailField])) {
      const message = `no value for ${emailField}`;
      done.set(c.profileId, { profileId: c.profileId, status: 'failed', level: 'error', message });
    } else return true;
    return false;
  });
  if (live.length === 0) return result();
  const everyone = live.map((c) => c.profileId);

  const properties = await readContactProperties(target.options, target.signal);
  if ('step' in properties) {
    fail(everyone, properties);
    return result();
  }
  const emails = new Set<string>();
  for (const c of live) {
    for (const e of [c.oldProperties[emailField], c.newProperties[emailField]]) {
      const email = emailOf(e);
      if (email) emails.add(emailKey(email));
    }
  }
  const found = await contacts.readByEmail(target, [...emails]);
  if ('step' in found) {
    fail(everyone, found);
    return result();
  }
  const at = (email?: string) => (email ? found.get(emailKey(email)) : undefined);

  const archives = new Map<string, string[]>();
  const updates = new Map<string, Write>();
  const creates = new Map<string, Write>();
  const memberships: Membership[] = [];
  for (const c of live) {
    const { profileId } = c;
    const newEmail = emailOf(c.newProperties[emailField]);
    const oldEmail = emailOf(c.oldProperties[emailField]);
    if (c.toDelete) {
      // The identifier last sent is what HubSpot holds; not found means nothing to delete.
      const contact = at(oldEmail ?? newEmail);
      if (contact) archives.set(contact.id, [...(archives.get(contact.id) ?? []), profileId]);
      continue;
    }
    const write = {
      properties: propertiesOf(c, newEmail!, properties.dateOnly),
      profileIds: [profileId],
    };
    const renamed = oldEmail !== undefined && emailKey(oldEmail) !== emailKey(newEmail!);
    const current = at(newEmail);
    const previous = renamed ? at(oldEmail) : undefined;
    const remove = minus(c.oldGroups, c.newGroups);
    if (current) {
      collect(updates, current.id, write);
      // A contact we did not hold under this email gets all our lists, not the difference.
      const add = renamed ? c.newGroups : minus(c.newGroups, c.oldGroups);
      memberships.push({ profileId, contact: current.id, add, remove });
      if (previous && previous.id !== current.id) {
        // The new email was taken: the old contact stays but loses every list we manage.
        const ours = [...new Set([...c.oldGroups, ...c.newGroups])];
        memberships.push({ profileId, contact: previous.id, add: [], remove: ours });
      }
    } else if (previous) {
      // Rename in place: the contact keeps its id, history and others' lists.
      collect(updates, previous.id, write);
      memberships.push({
        profileId,
        contact: previous.id,
        add: minus(c.newGroups, c.oldGroups),
        remove,
      });
    } else if (!target.syncOperations.create) {
      info(profileId, 'not created: enrich mode only updates existing contacts');
    } else {
      collect(creates, emailKey(newEmail!), write);
      memberships.push({
        profileId,
        contact: { created: emailKey(newEmail!) },
        add: c.newGroups,
        remove: [],
      });
    }
  }

  // A contact another profile of the batch writes to is not archived under it.
  const archived = [...archives.keys()].filter((id) => !updates.has(id));
  const archiveFailure = await contacts.archive(target, archived);
  const archivedBy = archived.flatMap((id) => archives.get(id)!);
  if (archiveFailure) fail(archivedBy, archiveFailure);

  const updateList = [...updates.entries()];
  const updateInputs = updateList.map(([id, w]) => ({ id, properties: w.properties }));
  const updated = await contacts.update(target, updateInputs);
  updated.forEach((w, i) => 'step' in w && fail(updateList[i]![1].profileIds, w));

  const createList = [...creates.values()];
  const created = await contacts.create(target, createList.map(propertiesOfWrite));
  const createdIds = new Map<string, string>();
  created.forEach((w, i) => {
    if ('step' in w) fail(createList[i]!.profileIds, w);
    else createdIds.set(emailKey(createList[i]!.properties[emailField]!), w.id);
  });

  await applyMemberships(target, memberships, done, createdIds, fail);
  return result();
}
