import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { endRun, refreshRun, type SyncRunRow } from '../db/runs';
import { destinations, syncRuns } from '../db/schema';
import type { RunRef, SyncRunResult } from '../workflows/definitions';

/** Activities of the sync run workflow: counting a run's progress and ending it. */

function toResult(run: SyncRunRow): SyncRunResult {
  const { id, state, total, evaluated, created, updated, deleted, unchanged, failed } = run;
  return { runId: id, state, total, evaluated, created, updated, deleted, unchanged, failed };
}

/** Recounts a run; marks it complete when nothing of it is queued, failed when its destination is gone. */
export async function refreshSyncRun(db: Db, runId: string): Promise<SyncRunResult> {
  const [row] = await db
    .select({ run: syncRuns, deletedAt: destinations.deletedAt })
    .from(syncRuns)
    .innerJoin(destinations, eq(destinations.id, syncRuns.destinationId))
    .where(eq(syncRuns.id, runId));
  // Gone with its destination (rows cascade): nothing left to follow.
  if (!row) return { ...emptyResult, runId, state: 'failed' };
  if (row.run.state === 'running' && row.deletedAt !== null) {
    const ended = await db.transaction((tx) =>
      endRun(tx, row.run, 'failed', 'the destination was deleted'),
    );
    return toResult(ended);
  }
  const run = await refreshRun(db, runId);
  return run ? toResult(run) : { ...emptyResult, runId, state: 'failed' };
}

/** Ends a running run as canceled (an operator canceled its workflow) and drops its queue. */
export async function cancelSyncRun(db: Db, runId: string, reason: string) {
  return db.transaction(async (tx) => {
    const [run] = await tx.select().from(syncRuns).where(eq(syncRuns.id, runId)).for('update');
    if (!run || run.state !== 'running') return run ? toResult(run) : null;
    return toResult(await endRun(tx, run, 'canceled', reason));
  });
}

/** The running runs of a destination, for its workflow to follow. */
export async function runningRuns(db: Db, destinationId: string): Promise<RunRef[]> {
  return db
    .select({ id: syncRuns.id, kind: syncRuns.kind, summary: syncRuns.summary })
    .from(syncRuns)
    .where(and(eq(syncRuns.destinationId, destinationId), eq(syncRuns.state, 'running')))
    .orderBy(syncRuns.startedAt);
}

const emptyResult = {
  total: 0,
  evaluated: 0,
  created: 0,
  updated: 0,
  deleted: 0,
  unchanged: 0,
  failed: 0,
};
