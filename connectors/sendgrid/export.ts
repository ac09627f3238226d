import type { SyncOperations } from '../../lib/domain';
import type { ExportChange, ExportOutcome } from '../types';
import type { Contact, Failed, SendgridApi } from './api';
import { outcomeOf } from './client';
import type { AccountFields } from './fields';
import { resolveLists } from './lists';
import { contactOf, emailOf } from './payload';

export interface Target {
  api: SendgridApi;
  fields: AccountFields;
  syncOperations: SyncOperations;
  pollAfterMs: number;
}

const refusal = (profileId: string, message: string): ExportOutcome => ({
  profileId,
  status: 'failed',
  message,
  level: 'error',
});

const info = (profileId: string, message: string): ExportOutcome => ({
  profileId,
  status: 'failed',
  message,
  level: 'info',
});

/**
 * Sends a batch: deletes and upserts start SendGrid jobs, reported as `processing` until
 * `checkJob` hears how they ended. An email change deletes the old contact (sync) or takes our
 * lists off it (additive, enrich), since SendGrid cannot change a contact's email.
 */
export async function exportChanges(
  target: Target,
  changes: ExportChange[],
): Promise<ExportOutcome[]> {
  const { api, syncOperations } = target;
  const outcomes = new Map<string, ExportOutcome>();
  const emails = changes.flatMap((c) => [emailOf(c.oldProperties), emailOf(c.newProperties)]);
  const found = await api.findByEmails(emails.filter((e): e is string => e !== null));
  if (!(found instanceof Map)) return changes.map((c) => outcomeOf(c.profileId, 'search', found));

  const deletes = new Map<ExportChange, Contact>();
  const upserts: ExportChange[] = [];
  const removals: { change: ExportChange; contact: Contact; groups: string[] }[] = [];
  for (const change of changes) {
    const { profileId } = change;
    const oldEmail = emailOf(change.oldProperties);
    const newEmail = emailOf(change.newProperties);
    if (change.toDelete) {
      if (!syncOperations.delete)
        outcomes.set(profileId, info(profileId, 'sync mode does not delete'));
      const contact = found.get(oldEmail ?? newEmail ?? '');
      if (!outcomes.has(profileId) && contact) deletes.set(change, contact);
      // Nothing to delete remotely counts as done.
      else if (!outcomes.has(profileId)) outcomes.set(profileId, { profileId, status: 'complete' });
      continue;
    }
    if (!newEmail) {
      outcomes.set(profileId, { profileId, status: 'failed', level: 'error', message: 'no email' });
      continue;
    }
    const contact = found.get(newEmail);
    if (!contact && !syncOperations.create) {
      outcomes.set(profileId, info(profileId, 'not created: enrich mode only updates contacts'));
      continue;
    }
    const previous = oldEmail && oldEmail !== newEmail ? found.get(oldEmail) : undefined;
    if (previous && syncOperations.delete) deletes.set(change, previous);
    else if (previous) removals.push({ change, contact: previous, groups: change.oldGroups });
    const left = change.oldGroups.filter((g) => !change.newGroups.includes(g));
    if (contact && left.length > 0) removals.push({ change, contact, groups: left });
    upserts.push(change);
  }

  const names = new Set([...upserts, ...removals.map((r) => r.change)].flatMap((c) => c.newGroups));
  const lists = await resolveLists(api, names, removals.length > 0);
  if (!(lists instanceof Map)) {
    for (const c of [...upserts, ...removals.map((r) => r.change)])
      outcomes.set(c.profileId, outcomeOf(c.profileId, 'read lists', lists));
    return finish(changes, outcomes);
  }

  await removeFromLists(api, lists, removals, outcomes);
  await deleteContacts(target, deletes, outcomes);
  await upsertContacts(target, lists, upserts, outcomes);
  return finish(changes, outcomes);
}

function finish(changes: ExportChange[], outcomes: Map<string, ExportOutcome>) {
  return changes.map((c) => outcomes.get(c.profileId)!);
}

async function removeFromLists(
  api: SendgridApi,
  lists: Map<string, string>,
  removals: { change: ExportChange; contact: Contact; groups: string[] }[],
  outcomes: Map<string, ExportOutcome>,
) {
  const byList = new Map<string, { ids: Set<string>; changes: ExportChange[] }>();
  for (const { change, contact, groups } of removals) {
    for (const name of groups) {
      const listId = lists.get(name);
      // A list that is gone, or that the contact left already, has nothing to remove.
      if (!listId || !contact.list_ids.includes(listId)) continue;
      const entry = byList.get(listId) ?? { ids: new Set(), changes: [] };
      entry.ids.add(contact.id);
      entry.changes.push(change);
      byList.set(listId, entry);
    }
  }
  for (const [listId, { ids, changes }] of byList) {
    // TODO: the removal job is not polled; it touches other lists than the upsert, so their
    // order does not matter, but a removal refused inside the job goes unnoticed.
    const job = await api.removeFromList(listId, [...ids]);
    if (typeof job !== 'string') fail(changes, 'remove contacts from a list', job, outcomes);
  }
}

async function deleteContacts(
  target: Target,
  deletes: Map<ExportChange, Contact>,
  outcomes: Map<string, ExportOutcome>,
) {
  const pending = [...deletes].filter(([c]) => !outcomes.has(c.profileId));
  if (pending.length === 0) return;
  const changes = pending.map(([change]) => change);
  const job = await target.api.deleteContacts([...new Set(pending.map(([, c]) => c.id))]);
  if (job !== null && typeof job !== 'string')
    return fail(changes, 'delete contacts', job, outcomes);
  // An email change waits for its upsert's job; a delete waits for this one.
  for (const change of changes.filter((c) => c.toDelete)) {
    outcomes.set(change.profileId, processing(target, change, job!));
  }
}

async function upsertContacts(
  target: Target,
  lists: Map<string, string>,
  upserts: ExportChange[],
  outcomes: Map<string, ExportOutcome>,
) {
  // `list_ids` applies to every contact of a request: one request per set of lists.
  const bySet = new Map<string, ExportChange[]>();
  for (const change of upserts.filter((c) => !outcomes.has(c.profileId))) {
    const ids = change.newGroups.map((g) => lists.get(g)!).sort();
    bySet.set(ids.join(','), [...(bySet.get(ids.join(',')) ?? []), change]);
  }
  for (const [key, group] of bySet) {
    const listIds = key === '' ? [] : key.split(',');
    let batch = group;
    // A 400 names refused contacts by index: fail those, send the rest once more.
    for (let round = 0; round < 2 && batch.length > 0; round++) {
      const job = await target.api.upsert(
        batch.map((c) => contactOf(c, target.fields)),
        listIds,
      );
      if (typeof job === 'string') {
        for (const c of batch) outcomes.set(c.profileId, processing(target, c, job));
        break;
      }
      const refused = refusedIndexes(job);
      if (refused.size === 0 || round === 1) return fail(batch, 'upsert contacts', job, outcomes);
      batch.forEach((c, i) => {
        const message = `SendGrid refused the contact: ${refused.get(i)}`;
        if (refused.has(i)) outcomes.set(c.profileId, refusal(c.profileId, message));
      });
      batch = batch.filter((_, i) => !refused.has(i));
    }
  }
}

function refusedIndexes(failed: Failed): Map<number, string> {
  const refused = new Map<number, string>();
  if (failed.kind !== 'error' || failed.status !== 400) return refused;
  for (const e of failed.errors) {
    const index = /^contacts\[(\d+)\]/.exec(e.field ?? '')?.[1];
    if (index !== undefined) refused.set(Number(index), e.message);
  }
  return refused;
}

function processing(target: Target, change: ExportChange, jobId: string): ExportOutcome {
  return {
    profileId: change.profileId,
    status: 'processing',
    jobId,
    pollAfterMs: target.pollAfterMs,
  };
}

function fail(
  changes: ExportChange[],
  what: string,
  failed: Failed,
  outcomes: Map<string, ExportOutcome>,
) {
  for (const c of changes) outcomes.set(c.profileId, outcomeOf(c.profileId, what, failed));
}
