import { Context, log } from '@temporalio/activity';
import { sql } from 'drizzle-orm';
import { startDestinationWorkflow, type DestinationRef } from '../api/temporal';
import type { Db } from '../db/client';
import { recomputeWholeGroup, relativeGroups } from '../db/group-members';
import { groupDestinations } from '../db/outbox';
import { loadDefinitions } from '../db/profiles';

/** Counts only: nothing personal reaches workflow history. */
export interface RecomputeResult {
  groups: number;
  added: number;
  removed: number;
}

export function createGroupActivities({ db }: { db: Db }) {
  return {
    /**
     * Re-evaluates every group with a relative date rule, each in its own transaction, and
     * queues the profiles that moved for the destinations that track or map that group.
     */
    async recomputeRelativeGroups(): Promise<RecomputeResult> {
      const result: RecomputeResult = { groups: 0, added: 0, removed: 0 };
      const toWake = new Map<string, DestinationRef>();
      for (const group of await relativeGroups(db)) {
        const moved = await db.transaction(async (tx) => {
          // Serialises with rule edits, which lock the group row too.
          const [row] = await tx.execute<{ id: string }>(
            sql`select id from groups where id = ${group.id} for update`,
          );
          if (!row) return { added: 0, removed: 0, refs: [] };
          const refs = await groupDestinations(tx, group.id);
          const counts = await recomputeWholeGroup(
            tx,
            group,
            await loadDefinitions(tx),
            refs.map((r) => r.id),
          );
          return { ...counts, refs };
        });
        result.groups++;
        result.added += moved.added;
        result.removed += moved.removed;
        if (moved.added + moved.removed > 0) for (const ref of moved.refs) toWake.set(ref.id, ref);
        Context.current().heartbeat({ groups: result.groups });
      }
      // Destination workflows share this worker's task queue.
      const { client, info } = Context.current();
      for (const ref of toWake.values())
        await startDestinationWorkflow(client, info.taskQueue, ref);
      log.info('relative groups recomputed', { ...result, destinations: toWake.size });
      return result;
    },
  };
}

export type GroupActivities = ReturnType<typeof createGroupActivities>;
