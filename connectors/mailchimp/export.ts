import type { ScalarValue } from '../../lib/domain';
import type { ExportChange, ExportOutcome } from '../types';
import { emailField } from './fields';
import { audienceMembers, type Tag, type Target } from './members';
import { MailchimpCallError, outcomeOf } from './outcome';

/** The first value as a trimmed email, or undefined when there is none. */
export function asEmail(value: ScalarValue | ScalarValue[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first.trim() !== '' ? first.trim() : undefined;
}

const sameEmail = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** New values; fields sent before but absent now are erased with "" (Mailchimp's way). */
function mergeFields(change: ExportChange): Record<string, string | number> {
  const fields: Record<string, string | number> = {};
  for (const key of Object.keys(change.oldProperties)) if (key !== emailField) fields[key] = '';
  for (const [key, raw] of Object.entries(change.newProperties)) {
    if (key === emailField) continue;
    const value = Array.isArray(raw) ? raw[0] : raw;
    fields[key] = typeof value === 'number' ? value : value === undefined ? '' : String(value);
  }
  return fields;
}

// Mailchimp tags are case-insensitive, so "VIP" and "vip" are one tag: compare folded names.
function tagChanges(add: string[], remove: string[]): Tag[] {
  const keep = new Set(add.map((g) => g.toLowerCase()));
  const removed = remove.filter((g) => !keep.has(g.toLowerCase()));
  return [
    ...add.map((name) => ({ name, status: 'active' as const })),
    ...removed.map((name) => ({ name, status: 'inactive' as const })),
  ];
}

const info = (profileId: string, message: string): ExportOutcome => ({
  profileId,
  status: 'failed',
  level: 'info',
  message,
});

/** One profile's calls, in order; the first failed call decides its outcome. */
export async function exportOne(target: Target, change: ExportChange): Promise<ExportOutcome> {
  const { profileId } = change;
  const members = audienceMembers(target);
  const newEmail = asEmail(change.newProperties[emailField]);
  const oldEmail = asEmail(change.oldProperties[emailField]);
  const ours = [...change.oldGroups, ...change.newGroups];
  try {
    if (change.toDelete) {
      if (!target.syncOperations.delete)
        return info(profileId, 'not deleted: the sync mode never deletes');
      // The identifier last sent is what Mailchimp holds.
      const email = oldEmail ?? newEmail;
      if (!email) return { profileId, status: 'complete' };
      // Our tags go first, so a later re-add of this email starts without stale ones.
      if (await members.tag(email, tagChanges([], ours))) {
        // Archive, not delete-permanent: a permanently deleted email cannot be re-added by API.
        await members.archive(email);
      }
      return { profileId, status: 'complete' };
    }

    if (!newEmail) {
      return { profileId, status: 'failed', level: 'error', message: `no value for ${emailField}` };
    }
    let removeTags = change.oldGroups;
    if (oldEmail && !sameEmail(oldEmail, newEmail) && (await members.liveStatus(oldEmail))) {
      // Rename in place, so the member keeps its history, status and others' tags.
      if (!(await members.rename(oldEmail, newEmail))) {
        // The new email is a member already: it becomes ours; the old one loses our tags.
        await members.tag(oldEmail, tagChanges([], ours));
        removeTags = [];
      }
    }

    const merge_fields = mergeFields(change);
    if (!target.syncOperations.create) {
      // PATCH never creates: enrich learns from Mailchimp itself that the member is missing.
      if (!(await members.update(newEmail, { merge_fields }))) {
        return info(profileId, 'not created: enrich mode only updates existing members');
      }
    } else {
      // `status_if_new` only: an existing member's subscription status is the person's choice.
      await members.upsert(newEmail, {
        email_address: newEmail,
        status_if_new: 'subscribed',
        merge_fields,
      });
    }
    await members.tag(newEmail, tagChanges(change.newGroups, removeTags));
    return { profileId, status: 'complete' };
  } catch (error) {
    if (error instanceof MailchimpCallError) return outcomeOf(profileId, error);
    throw error;
  }
}
