import type { ExportChange, ExportOutcome } from '../types';
import { deleteUsers } from './delete';
import type { Target } from './target';
import { upsertUsers } from './upsert';

/**
 * The batch's outcomes, in the order of `changes`. Deletes go first: a profile of the same
 * batch may take the external id a deleted profile used (a new signup with that email), and
 * run side by side the two calls would race, so that user could end deleted.
 */
export async function exportChanges(
  target: Target,
  changes: ExportChange[],
): Promise<ExportOutcome[]> {
  const deleted = await deleteUsers(
    target,
    changes.filter((c) => c.toDelete),
  );
  const upserted = await upsertUsers(
    target,
    changes.filter((c) => !c.toDelete),
  );
  const byProfile = new Map([...deleted, ...upserted].map((o) => [o.profileId, o]));
  return changes.map((c) => byProfile.get(c.profileId)!);
}
