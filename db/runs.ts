import { randomUUID } from 'node:crypto';
import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Db } from './client';
import { syncRuns, type SyncRunKind, type SyncRunState } from './schema';

/**
 * Sync runs in Postgres: created in the transaction that queues their profiles, followed by
 * counting what their outbox rows and exports say. The outbox rows of a run are its work left.
 */

type Executor = Pick<Db, 'execute' | 'select' | 'insert' | 'update'>;

export type SyncRunRow = typeof syncRuns.$inferSelect;

export interface RunCounts {
  total: number;
  evaluated: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  failed: number;
  percentComplete: number;
  /** distinct profiles of the run still queued in the outbox */
  remaining: number;
}

/** A run id: readable prefix, no personal data. */
export function newRunId(): string {
  return `run_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
}

/** Creates a running run; call `sealRun` once its profiles are queued. */
export async function createRun(
  tx: Executor,
  run: {
    id: string;
    destinationId: string;
    kind: SyncRunKind;
    summary: string;
    configVersion: number;
  },
): Promise<void> {
  await tx.insert(syncRuns).values({ ...run, state: 'running' });
}

/**
 * Cancels the running initial sync or re-sync a newer one replaces, and hands it the profiles
 * they had not reached yet: nothing is dropped, it is only counted by the newer run.
 */
export async function supersedeRuns(tx: Executor, destinationId: string, newRunId: string) {
  const old = await tx
    .select()
    .from(syncRuns)
    .where(
      and(
        eq(syncRuns.destinationId, destinationId),
        eq(syncRuns.state, 'running'),
        inArray(syncRuns.kind, ['initial', 'resync']),
        ne(syncRuns.id, newRunId),
      ),
    )
    .for('update');
  if (old.length === 0) return;
  for (const run of old) {
    // Counted before its rows move on: what it did stays its own, the rest the newer run's.
    const { remaining: _r, ...counts } = await runCounts(tx, run);
    await tx
      .update(syncRuns)
      .set({
        ...counts,
        state: 'canceled',
        finishedAt: new Date(),
        errorSummary: `superseded by run ${newRunId}`,
      })
      .where(eq(syncRuns.id, run.id));
  }
  await tx.execute(sql`
    update destination_changes set run_id = ${newRunId}
    where destination_id = ${destinationId}
      and run_id = any(${sql.param(old.map((r) => r.id))}::text[])`);
}

/** Records how many distinct profiles the run queued: the 100 % of its progress. */
export async function sealRun(tx: Executor, runId: string): Promise<number> {
  const [row] = await tx.execute<{ n: number }>(sql`
    update sync_runs set total = (
      select count(distinct profile_id)::int from destination_changes where run_id = ${runId})
    where id = ${runId} returning total as n`);
  return row?.n ?? 0;
}

/**
 * Counts a run from its rows: the newest final export of each of its profiles, and the
 * profiles still queued. A profile evaluated with nothing to send leaves no export; it shows
 * in `evaluated` only.
 */
export async function runCounts(db: Pick<Db, 'execute'>, run: SyncRunRow): Promise<RunCounts> {
  const [row] = await db.execute<Omit<RunCounts, 'total' | 'evaluated' | 'percentComplete'>>(sql`
    with last as (
      select distinct on (profile_id) state, has_changes, to_delete,
        old_properties = '{}'::jsonb and old_groups = '[]'::jsonb as fresh
      from exports where run_id = ${run.id} and state in ('complete', 'failed')
      order by profile_id, id desc)
    select
      count(*) filter (where state = 'complete' and has_changes and not to_delete and fresh)::int
        as created,
      count(*) filter (where state = 'complete' and has_changes and not to_delete and not fresh)::int
        as updated,
      count(*) filter (where state = 'complete' and has_changes and to_delete)::int as deleted,
      count(*) filter (where state = 'complete' and not has_changes)::int as unchanged,
      count(*) filter (where state = 'failed')::int as failed,
      (select count(distinct profile_id)::int from destination_changes where run_id = ${run.id})
        as remaining
    from last`);
  const counts = row ?? {
    created: 0,
    updated: 0,
    deleted: 0,
    unchanged: 0,
    failed: 0,
    remaining: 0,
  };
  const evaluated = Math.max(0, run.total - counts.remaining);
  const percentComplete = run.total === 0 ? 100 : Math.floor((evaluated * 100) / run.total);
  return { ...counts, total: run.total, evaluated, percentComplete };
}

/** Stores a run's counts; a running run with nothing left queued becomes complete. */
export async function refreshRun(db: Db, runId: string): Promise<SyncRunRow | null> {
  const [run] = await db.select().from(syncRuns).where(eq(syncRuns.id, runId));
  if (!run || run.state !== 'running') return run ?? null;
  const { remaining, ...counts } = await runCounts(db, run);
  const done = remaining === 0;
  const [updated] = await db
    .update(syncRuns)
    .set({
      ...counts,
      ...(done
        ? {
            state: 'complete',
            finishedAt: new Date(),
            errorSummary: await failureSummary(db, runId),
          }
        : {}),
    })
    // A cancel that committed meanwhile wins.
    .where(and(eq(syncRuns.id, runId), eq(syncRuns.state, 'running')))
    .returning();
  return updated ?? (await db.select().from(syncRuns).where(eq(syncRuns.id, runId)))[0] ?? null;
}

/**
 * Ends a running run as canceled or failed and drops its queued rows. Only rows tagged with
 * this run go: a profile also queued by a data change or another run keeps that row.
 */
export async function endRun(
  tx: Executor,
  run: SyncRunRow,
  state: Extract<SyncRunState, 'canceled' | 'failed'>,
  errorSummary: string,
): Promise<SyncRunRow> {
  const counts = await runCounts(tx, run);
  await tx.execute(sql`delete from destination_changes where run_id = ${run.id}`);
  const { remaining: _r, ...stored } = counts;
  const [row] = await tx
    .update(syncRuns)
    .set({ ...stored, state, errorSummary, finishedAt: new Date() })
    .where(eq(syncRuns.id, run.id))
    .returning();
  return row!;
}

/** "3 exports failed, most often: <message>" — stays in Postgres, like the exports' errors. */
async function failureSummary(db: Pick<Db, 'execute'>, runId: string): Promise<string | null> {
  const rows = await db.execute<{ message: string | null; n: number }>(sql`
    select error_message as message, count(*)::int as n from exports
    where run_id = ${runId} and state = 'failed'
    group by error_message order by n desc limit 1`);
  const top = [...rows][0];
  if (!top) return null;
  const [total] = await db.execute<{ n: number }>(
    sql`select count(*)::int as n from exports where run_id = ${runId} and state = 'failed'`,
  );
  return `${total?.n ?? top.n} exports failed, most often: ${top.message ?? 'no message'}`;
}
