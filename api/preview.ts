import { sql } from 'drizzle-orm';
import {
  loadExportContext,
  loadProfileStates,
  type AppRow,
  type DestinationRow,
  type ProfileState,
} from '../activities/load';
import type { Db } from '../db/client';
import { planExport, type ExportPlan } from '../lib/plan';

/**
 * What the destination workflow would do, computed with the same loading code and the same
 * planner as `exportBatch`, but writing nothing and sending nothing.
 */

export type PreviewOperation = 'create' | 'update' | 'delete' | 'none' | 'skip' | 'fail';

export interface ProfilePreview {
  operation: PreviewOperation;
  /** why there is nothing to send, or why planning failed */
  reason: string | null;
  plan: Omit<ExportPlan, 'hasChanges'> | null;
  baselineExportId: number | null;
}

type Context = Awaited<ReturnType<typeof loadExportContext>>;

/** Plans one loaded profile as `exportBatch` would, without `force`. */
function previewState(
  destination: DestinationRow,
  context: Context,
  state: ProfileState,
): ProfilePreview {
  const baselineExportId = state.baseline?.exportId ?? null;
  let plan: ExportPlan | null;
  try {
    plan = planExport({ ...context, destination, ...state, force: false });
  } catch (err) {
    // The same failure the export would record: a value that no longer converts.
    return { operation: 'fail', reason: (err as Error).message, plan: null, baselineExportId };
  }
  if (plan === null) {
    const reason = 'out of the collection and not held by the remote: nothing to undo';
    return { operation: 'skip', reason, plan: null, baselineExportId };
  }
  const { hasChanges, ...sent } = plan;
  const remoteHoldsIt = state.baseline !== null && !state.baseline.toDelete;
  const operation: PreviewOperation = !hasChanges
    ? 'none'
    : plan.toDelete
      ? 'delete'
      : remoteHoldsIt
        ? 'update'
        : 'create';
  const reason = hasChanges ? null : 'the remote already has these values and groups';
  return { operation, reason, plan: sent, baselineExportId };
}

/** The preview of one profile; null when Outflow knows nothing of it (no profile, no baseline). */
export async function previewProfile(
  db: Db,
  destination: DestinationRow,
  app: AppRow,
  profileId: string,
): Promise<ProfilePreview | null> {
  const context = await loadExportContext(db, destination, app);
  const state = (await loadProfileStates(db, destination, [profileId])).get(profileId)!;
  if (state.profile === null && state.baseline === null) return null;
  return previewState(destination, context, state);
}

export interface DryRunCounts {
  evaluated: number;
  creates: number;
  updates: number;
  deletes: number;
  unchanged: number;
  skipped: number;
  failed: number;
}

/**
 * Profile ids a full re-evaluation would look at, after `after` in id order: the collection's
 * members and every profile the remote holds. Each branch pages on its own index.
 */
async function candidatePage(db: Db, destination: DestinationRow, after: string, size: number) {
  const collection =
    destination.collection === 'all'
      ? sql`(select id from profiles where id > ${after} order by id limit ${size})`
      : destination.collection === 'group' && destination.groupId
        ? sql`(select profile_id as id from group_members
               where group_id = ${destination.groupId} and profile_id > ${after}
               order by profile_id limit ${size})`
        : null;
  const held = sql`(select profile_id as id from destination_profiles
    where destination_id = ${destination.id} and present and profile_id > ${after}
    order by profile_id limit ${size})`;
  const union = collection ? sql`${collection} union ${held}` : held;
  const rows = await db.execute<{ id: string }>(
    sql`select id from (${union}) c order by id limit ${size}`,
  );
  return rows.map((r) => r.id);
}

/** Counts what a full re-evaluation would send, a page of profiles at a time. */
export async function dryRun(
  db: Db,
  destination: DestinationRow,
  app: AppRow,
  pageSize = 500,
): Promise<DryRunCounts> {
  const context = await loadExportContext(db, destination, app);
  const counts: DryRunCounts = {
    evaluated: 0,
    creates: 0,
    updates: 0,
    deletes: 0,
    unchanged: 0,
    skipped: 0,
    failed: 0,
  };
  const field = {
    create: 'creates',
    update: 'updates',
    delete: 'deletes',
    none: 'unchanged',
    skip: 'skipped',
    fail: 'failed',
  } as const;
  let after = '';
  for (;;) {
    const ids = await candidatePage(db, destination, after, pageSize);
    if (ids.length === 0) return counts;
    const states = await loadProfileStates(db, destination, ids);
    for (const state of states.values()) {
      const { operation } = previewState(destination, context, state);
      counts[field[operation]]++;
      counts.evaluated++;
    }
    after = ids[ids.length - 1]!;
  }
}
