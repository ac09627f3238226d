import type { ScalarValue } from '../../lib/domain';
import type { ExportChange } from '../types';
import { externalIdField, subscriptionFields } from './fields';
import type { BrazeAttributes } from './users';

/** The profile's external id as Braze expects it: a non-empty string. */
export function externalIdOf(value: ScalarValue | ScalarValue[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || first === null) return undefined;
  const id = String(first).trim();
  return id === '' ? undefined : id;
}

/**
 * Braze's array syntax for our groups attribute: `add` and `remove` touch only the named
 * values, so values someone else put in the same attribute stay. Groups the user had
 * before are not added again, since Braze may keep duplicates in an array.
 */
export function groupsUpdate(add: string[], remove: string[], had: string[] = []) {
  const keep = new Set(add);
  const before = new Set(had);
  const update: { add?: string[]; remove?: string[] } = {};
  const added = add.filter((g) => !before.has(g));
  const removed = [...new Set(remove)].filter((g) => !keep.has(g));
  if (added.length > 0) update.add = added;
  if (removed.length > 0) update.remove = removed;
  return Object.keys(update).length > 0 ? update : undefined;
}

/** What the attribute object of one profile carries besides its values. */
export interface AttributeOptions {
  removeGroups: string[];
  groupsBefore: string[];
  updateExistingOnly: boolean;
  /** true only when Braze has no such user yet: subscription states are then ours to set */
  setSubscriptions: boolean;
}

const isSubscription = (key: string) => subscriptionFields.includes(key);

/**
 * The `/users/track` attribute object of one profile: its new values, `null` for fields sent
 * before and absent now (Braze clears an attribute set to null), and our groups. Subscription
 * states go only to a user being created and are never cleared: once the user exists they are
 * the person's choice, and Braze has no "set only if new" for attributes.
 */
export function attributesOf(
  change: ExportChange,
  externalId: string,
  groupsAttribute: string,
  options: AttributeOptions,
): BrazeAttributes {
  const attributes: BrazeAttributes = { external_id: externalId };
  for (const key of Object.keys(change.oldProperties)) {
    if (key === externalIdField || isSubscription(key) || key in change.newProperties) continue;
    attributes[key] = null;
  }
  for (const [key, value] of Object.entries(change.newProperties)) {
    if (key === externalIdField || key === groupsAttribute) continue;
    if (isSubscription(key) && !options.setSubscriptions) continue;
    attributes[key] = value;
  }
  const groups = groupsUpdate(change.newGroups, options.removeGroups, options.groupsBefore);
  if (groups) attributes[groupsAttribute] = groups;
  // Braze's own guard: an object for an unknown external id is dropped, not created.
  if (options.updateExistingOnly) attributes._update_existing_only = true;
  return attributes;
}

/** Does this change carry a subscription state Braze may need, if the user is new? */
export function carriesSubscription(change: ExportChange): boolean {
  return Object.keys(change.newProperties).some(isSubscription);
}

/** The object that takes our groups off a user we no longer address (identifier moved). */
export function groupsRemoval(
  externalId: string,
  groupsAttribute: string,
  groups: string[],
): BrazeAttributes | null {
  const remove = [...new Set(groups)];
  if (remove.length === 0) return null;
  return { external_id: externalId, [groupsAttribute]: { remove }, _update_existing_only: true };
}
