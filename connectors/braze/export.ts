import type { ExportChange, ExportOutcome } from '../types';
import { deleteUsers } from './delete';
import { externalIdField } from './fields';
import { outcomeOf, type Failure } from './outcome';
import { attributesOf, groupsRemoval } from './payload';
import { idOf, info, type Target } from './target';
import type { BrazeAttributes } from './users';

interface Planned {
  change: ExportChange;
  id: string;
  /** the user's previous external id, when it changed */
  from?: string;
}

/**
 * Upserts through `/users/track`. An external id change renames the Braze user, so it keeps
 * its history; when the new id is someone already, the old user only loses our groups.
 */
async function upsertUsers(target: Target, changes: ExportChange[]): Promise<ExportOutcome[]> {
  const outcomes: ExportOutcome[] = [];
  const planned: Planned[] = [];
  for (const change of changes) {
    const id = idOf(change.newProperties);
    if (!id) {
      const message = `no value for ${externalIdField}`;
      outcomes.push({ profileId: change.profileId, status: 'failed', level: 'error', message });
      continue;
    }
    const old = idOf(change.oldProperties);
    planned.push({ change, id, ...(old && old !== id ? { from: old } : {}) });
  }
  if (planned.length === 0) return outcomes;

  const { create } = target.syncOperations;
  const moving = planned.filter((p) => p.from);
  let existing = new Set<string>();
  if (!create || moving.length > 0) {
    const ids = create
      ? moving.flatMap((p) => [p.from!, p.id])
      : planned.flatMap((p) => [p.id, p.from ?? p.id]);
    const found = await target.users.existing(ids);
    if (!(found instanceof Set)) {
      const failures = planned.map((p) => outcomeOf(p.change.profileId, 'look up users', found));
      return [...outcomes, ...failures];
    }
    existing = found;
  }

  // Rename where the old user exists and the new id is free; Braze may still refuse (a race).
  const renames = moving.filter((p) => existing.has(p.from!) && !existing.has(p.id));
  const answers = await target.users.rename(renames.map((p) => ({ from: p.from!, to: p.id })));
  const renamed = new Set<Planned>();
  const failed = new Map<Planned, ExportOutcome>();
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

/** The batch's outcomes, in the order of `changes`. */
export async function exportChanges(
  target: Target,
  changes: ExportChange[],
): Promise<ExportOutcome[]> {
  const [deleted, upserted] = await Promise.all([
    deleteUsers(
      target,
      changes.filter((c) => c.toDelete),
    ),
    upsertUsers(
      target,
      changes.filter((c) => !c.toDelete),
    ),
  ]);
  const byProfile = new Map([...deleted, ...upserted].map((o) => [o.profileId, o]));
  return changes.map((c) => byProfile.get(c.profileId)!);
}
