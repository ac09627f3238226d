import { log } from '@temporalio/activity';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';

/**
 * Export retention: old export rows are history, not state, and would grow without bound.
 * Swept in chunks by `sweepExportsWorkflow` on the `sweep-exports` schedule.
 */

export interface RetentionDeps {
  db: Db;
  /** export rows older than this many days are deleted */
  exportRetentionDays: number;
}

export interface SweepChunkInput {
  /** resume after this export id: rows at or below it were swept or must stay */
  afterId: number;
  limit: number;
}

/** Counts and an id cursor only: nothing personal reaches workflow history. */
export interface SweepChunkResult {
  deleted: number;
  /** the highest export id looked at; the next chunk starts after it */
  lastId: number;
  more: boolean;
}

export function createRetentionActivities({ db, exportRetentionDays }: RetentionDeps) {
  return {
    /**
     * Looks at the next `limit` export rows in id order and deletes the old ones, in one short
     * statement. Never deletes a baseline (the newest complete export, which planning compares
     * against) nor an open export (still to be sent). Ids grow with `created_at` (both are set
     * at insert), so the sweep ends at the first chunk that reaches a row inside the window.
     */
    async sweepExportsChunk({ afterId, limit }: SweepChunkInput): Promise<SweepChunkResult> {
      const cutoff = sql`now() - make_interval(days => ${exportRetentionDays})`;
      const [row] = await db.execute<{
        deleted: number;
        last_id: string | null;
        seen: number;
        reached_recent: boolean | null;
      }>(sql`
        with seen as (
          select id, state, created_at from exports
          where id > ${afterId}
          order by id
          limit ${limit}
        ), doomed as (
          delete from exports e using seen s
          where e.id = s.id
            and s.created_at < ${cutoff}
            and s.state not in ('pending', 'processing')
            and not exists (
              select 1 from destination_profiles dp where dp.baseline_export_id = s.id
            )
          returning e.id
        )
        select (select count(*) from doomed)::int as deleted,
               (select max(id) from seen)::text as last_id,
               (select count(*) from seen)::int as seen,
               (select bool_or(created_at >= ${cutoff}) from seen) as reached_recent`);
      const result = {
        deleted: row!.deleted,
        lastId: row!.last_id === null ? afterId : Number(row!.last_id),
        more: row!.seen === limit && !row!.reached_recent,
      };
      log.info('export rows swept', { ...result, retentionDays: exportRetentionDays });
      return result;
    },
  };
}

export type RetentionActivities = ReturnType<typeof createRetentionActivities>;
