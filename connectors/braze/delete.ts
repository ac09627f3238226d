import type { ExportChange, ExportOutcome } from '../types';
import { outcomeOf } from './outcome';
import { idOf, info, type Target } from './target';

/** Deletes by the identifier last sent, 50 ids a request; Braze counts unknown ids as done. */
export async function deleteUsers(
  target: Target,
  changes: ExportChange[],
): Promise<ExportOutcome[]> {
  const outcomes: ExportOutcome[] = [];
  const sent: { profileId: string; id: string }[] = [];
  for (const change of changes) {
    const id = idOf(change.oldProperties) ?? idOf(change.newProperties);
    if (!target.syncOperations.delete) {
      outcomes.push(info(change.profileId, 'not deleted: the sync mode never deletes'));
    } else if (!id) outcomes.push({ profileId: change.profileId, status: 'complete' });
    else sent.push({ profileId: change.profileId, id });
  }
  const answers = await target.users.remove(sent.map((s) => s.id));
  sent.forEach(({ profileId }, i) => {
    const failure = answers[i];
    outcomes.push(
      failure ? outcomeOf(profileId, 'delete user', failure) : { profileId, status: 'complete' },
    );
  });
  return outcomes;
}
