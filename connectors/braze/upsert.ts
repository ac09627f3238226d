import type { ExportChange, ExportOutcome } from '../types';
import { externalIdField } from './fields';
import { outcomeOf, type Failure } from './outcome';
import { attributesOf, carriesSubscription, groupsRemoval } from './payload';
import { idOf, info, type Target } from './target';
import type { BrazeAttributes } from './users';

interface Planned {
  change: ExportChange;
  id: string;
  /** the user's previous external id, when it changed */
  from?: string;
  /** a first export carrying a subscription state: it is set only if Braze has no such user */
  mayCreate: boolean;
}

function plan(change: ExportChange): Planned | ExportOutcome {
  const id = idOf(change.newProperties);
  if (!id) {
    const message = `no value for ${externalIdField}`;
    return { profileId: change.profileId, status: 'failed', level: 'error', message };
  }
  const old = idOf(change.oldProperties);
  // No old values: no baseline (or the last export was a delete), so we may be creating.
  const first = Object.keys(change.oldProperties).length === 0;
  return {
    change,
    id,
    ...(old && old !== id ? { from: old } : {}),
    mayCreate: first && carriesSubscription(change),
  };
}

/**
 * Upserts through `/users/track`. An external id change renames the Braze user, so it keeps
 * its history; when the new id is someone already, the old user only loses our groups.
 * Look-ups happen only where the answer matters: enrich (never create), id changes, and first
 * exports that carry a subscription state (Braze may hold the user already, from its SDK).
 */
export async function upsertUsers(
  target: Target,
  changes: ExportChange[],
): Promise<ExportOutcome[]> {
  const outcomes: ExportOutcome[] = [];
  const planned: Planned[] = [];
  for (const change of changes) {
    const p = plan(change);
    if ('change' in p) planned.push(p);
    else outcomes.push(p);
  }
  if (planned.length === 0) return outcomes;

  const { create } = target.syncOperations;
  const failed = new Map<Planned, ExportOutcome>();
  let existing = new Set<string>();
  const asking = planned.filter((p) => !create || p.from !== undefined || p.mayCreate);
  if (asking.length > 0) {
    const found = await target.users.existing(asking.flatMap((p) => [p.id, p.from ?? p.id]));
    if (found instanceof Set) existing = found;
    // Only the profiles that needed the answer wait for it; the others go on.
    else
      for (const p of asking) failed.set(p, outcomeOf(p.change.profileId, 'look up users', found));
  }

  // Rename where the old user exists and the new id is free; Braze may still refuse (a race).
  const renames = planned.filter(
    (p) => p.from && !failed.has(p) && existing.has(p.from) && !existing.has(p.id),
  );
  const answers = await target.users.rename(renames.map((p) => ({ from: p.from!, to: p.id })));
  const renamed = new Set<Planned>();
  renames.forEach((p, i) => {
    const answer = answers[i]!;
    if (answer === 'renamed') renamed.add(p);
    else if (answer !== 'taken')
      failed.set(p, outcomeOf(p.change.profileId, 'rename user', answer));
  });

  const objects: BrazeAttributes[] = [];
  const owners: Planned[] = [];
  for (const p of planned) {
    const { change } = p;
    if (failed.has(p)) continue;
    const known = existing.has(p.id) || renamed.has(p);
    if (!create && !known) {
      failed.set(p, info(change.profileId, 'not created: enrich mode only updates existing users'));
      continue;
    }
    // Our groups stay with the user we address: the same one, or the one renamed.
    const sameUser = !p.from || renamed.has(p);
    if (p.from && !renamed.has(p) && existing.has(p.from)) {
      const removal = groupsRemoval(p.from, target.groupsAttribute, [
        ...change.oldGroups,
        ...change.newGroups,
      ]);
      if (removal) {
        objects.push(removal);
        owners.push(p);
      }
    }
    objects.push(
      attributesOf(change, p.id, target.groupsAttribute, {
        removeGroups: sameUser ? change.oldGroups : [],
        groupsBefore: sameUser ? change.oldGroups : [],
        updateExistingOnly: !create,
        setSubscriptions: p.mayCreate && !known,
      }),
    );
    owners.push(p);
  }

  const results = await target.users.track(objects);
  const firstFailure = new Map<Planned, Failure>();
  results.forEach((failure, i) => {
    if (failure && !firstFailure.has(owners[i]!)) firstFailure.set(owners[i]!, failure);
  });
  for (const p of planned) {
    const { profileId } = p.change;
    const failure = firstFailure.get(p);
    outcomes.push(
      failed.get(p) ??
        (failure ? outcomeOf(profileId, 'track user', failure) : { profileId, status: 'complete' }),
    );
  }
  return outcomes;
}
