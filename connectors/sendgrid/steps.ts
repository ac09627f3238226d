import type { SyncOperations } from '../../lib/domain';
import type { ExportChange, ExportOutcome } from '../types';
import type { Contact } from './api';
import type { AccountFields } from './fields';
import { encodePending } from './pending';
import { contactOf, emailOf, takeOver } from './payload';

/**
 * What one change needs from SendGrid, decided from what search shows. SendGrid identifies
 * contacts by email and cannot change one's email, so an email change a → b is:
 * - b does not exist (sync): a new contact b takes over a (their fields and lists, then ours),
 *   and a is deleted once b's upsert completed: one contact, nothing of theirs lost;
 * - b exists, or the mode never deletes: a loses the lists we manage, b is updated with ours.
 *
 * Search lags behind SendGrid's jobs, so a contact we sent may be missing from it for a while:
 * a change that needs that contact (to delete it, take lists off it, move it) waits until
 * search shows it, or until `searchWaitMs` passed, when the contact is taken as deleted.
 */

export interface StepTarget {
  fields: AccountFields;
  syncOperations: SyncOperations;
  pollAfterMs: number;
  searchWaitMs: number;
}

export interface UpsertStep {
  kind: 'upsert';
  change: ExportChange;
  contact: Record<string, unknown>;
  /** list names to add the contact to */
  groups: string[];
  /** list ids kept from the contact this one takes over, minus the lists of `dropGroups` */
  keepListIds: string[];
  dropGroups: string[];
  /** lists to take off contacts (by id), once the upsert started */
  removals: { contactId: string; groups: string[] }[];
  then?: 'delete-old';
}

export type Step =
  | { kind: 'final'; change: ExportChange; outcome: ExportOutcome }
  | { kind: 'delete'; change: ExportChange; contactId: string }
  | UpsertStep;

/** When the wait for search began; `now` decides whether it is over. */
export interface SearchWait {
  since: number;
  now: number;
}

export function stepFor(
  target: StepTarget,
  change: ExportChange,
  found: Map<string, Contact>,
  wait: SearchWait,
): Step {
  const { profileId } = change;
  const ops = target.syncOperations;
  const final = (outcome: ExportOutcome): Step => ({ kind: 'final', change, outcome });
  const failed = (message: string, level: 'info' | 'error') =>
    final({ profileId, status: 'failed', message, level });
  // Old values come only from a complete export: the remote held this contact.
  const oldEmail = emailOf(change.oldProperties);
  const newEmail = emailOf(change.newProperties);
  const waiting = wait.now - wait.since < target.searchWaitMs;
  const waitForSearch = final({
    profileId,
    status: 'processing',
    jobId: encodePending({ jobs: [], next: 'resend', since: wait.since }),
    pollAfterMs: target.pollAfterMs,
  });

  if (change.toDelete) {
    if (!ops.delete) return failed('sync mode does not delete', 'info');
    const contact = found.get(oldEmail ?? newEmail ?? '');
    if (contact) return { kind: 'delete', change, contactId: contact.id };
    // Not found counts as done, once search had the time to show a contact we just created.
    if (oldEmail && waiting) return waitForSearch;
    return final({ profileId, status: 'complete' });
  }
  if (!newEmail) return failed('no email', 'error');
  const current = found.get(newEmail);
  if (!current && !ops.create)
    return failed('not created: enrich mode only updates contacts', 'info');
  const upsert = (more: Partial<UpsertStep>): UpsertStep => ({
    kind: 'upsert',
    change,
    contact: contactOf(change, target.fields, { clear: false }),
    groups: change.newGroups,
    keepListIds: [],
    dropGroups: [],
    removals: [],
    ...more,
  });

  if (oldEmail && oldEmail !== newEmail) {
    const previous = found.get(oldEmail);
    if (!previous) return waiting ? waitForSearch : upsert({});
    if (current || !ops.delete) {
      return upsert({ removals: [{ contactId: previous.id, groups: change.oldGroups }] });
    }
    return upsert({
      contact: takeOver(change, previous, target.fields),
      keepListIds: previous.list_ids,
      dropGroups: change.oldGroups,
      then: 'delete-old',
    });
  }
  const left = change.oldGroups.filter((g) => !change.newGroups.includes(g));
  if (left.length > 0 && !current && oldEmail && waiting) return waitForSearch;
  return upsert({
    // The same contact as before: fields we no longer send are cleared.
    contact: contactOf(change, target.fields, { clear: true }),
    removals: current && left.length > 0 ? [{ contactId: current.id, groups: left }] : [],
  });
}
