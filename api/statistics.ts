import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { logger } from '../lib/logger';

/**
 * Planner statistics after big writes. On a fresh install, the first large batches run with
 * the statistics of near-empty tables (about 40× slower) until autovacuum's analyze catches
 * up; a sampled ANALYZE after a big batch fixes that at once, for well under a second.
 */

/** A batch that changed at least this many profiles refreshes the statistics. */
export const analyzeAfter = 1000;

const log = logger.child({ component: 'statistics' });

/** Runs after commit, outside the request's transaction; a failure only costs speed. */
export async function refreshStatistics(db: Pick<Db, 'execute'>): Promise<void> {
  try {
    await db.execute(sql`analyze profiles, group_members, destination_changes`);
  } catch (error) {
    log.warn({ err: { name: (error as Error).name } }, 'could not refresh planner statistics');
  }
}
