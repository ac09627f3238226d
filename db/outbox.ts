import { sql } from 'drizzle-orm';
import type { CollectionType } from '../lib/domain';
import type { Db } from './client';

/**
 * Writes to the outbox `destination_changes`, always inside the transaction of the change
 * itself, so "committed ⇒ will be exported" holds. All statements are set-based.
 */

type Executor = Pick<Db, 'execute'>;

/** Queues each profile for every live destination; the planner decides what each one does. */
export async function queueProfiles(tx: Executor, profileIds: string[]): Promise<void> {
  if (profileIds.length === 0) return;
  await tx.execute(sql`
    insert into destination_changes (destination_id, profile_id)
    select d.id, u.id from destinations d
    cross join unnest(${sql.param(profileIds)}::text[]) as u(id)
    where d.deleted_at is null`);
}

/**
 * Queues the profiles of a collection (everyone, one group's members, or nobody), tagged with
 * the sync run that asks for them, if any.
 */
export async function queueCollection(
  tx: Executor,
  destinationId: string,
  collection: CollectionType,
  groupId: string | null,
  runId: string | null = null,
): Promise<void> {
  if (collection === 'all') {
    await tx.execute(sql`
      insert into destination_changes (destination_id, profile_id, run_id)
      select ${destinationId}, p.id, ${runId} from profiles p`);
  } else if (collection === 'group' && groupId) {
    await tx.execute(sql`
      insert into destination_changes (destination_id, profile_id, run_id)
      select ${destinationId}, gm.profile_id, ${runId}
      from group_members gm where gm.group_id = ${groupId}`);
  }
}

/** Queues every profile the remote still holds, so a changed definition can remove or fix it. */
export async function queuePresent(
  tx: Executor,
  destinationId: string,
  runId: string | null = null,
): Promise<void> {
  await tx.execute(sql`
    insert into destination_changes (destination_id, profile_id, run_id)
    select destination_id, profile_id, ${runId} from destination_profiles
    where destination_id = ${destinationId} and present`);
}

/** The live destinations to wake after a commit: ids, names and connector types only. */
export async function liveDestinations(
  tx: Executor,
): Promise<{ id: string; name: string; type: string }[]> {
  const rows = await tx.execute<{ id: string; name: string; type: string }>(sql`
    select d.id, d.name, a.type from destinations d join apps a on a.id = d.app_id
    where d.deleted_at is null`);
  return [...rows];
}

/** The live destinations that track or map a group: the only ones a membership change reaches. */
export async function groupDestinations(
  tx: Executor,
  groupId: string,
): Promise<{ id: string; name: string; type: string }[]> {
  const rows = await tx.execute<{ id: string; name: string; type: string }>(sql`
    select d.id, d.name, a.type from destinations d join apps a on a.id = d.app_id
    where d.deleted_at is null and (d.group_id = ${groupId} or d.group_mapping ? ${groupId})
    order by d.id`);
  return [...rows];
}

/**
 * Queues profiles whose membership of one group changed, for the live destinations that
 * track or map that group (others cannot see the difference). Returns those destinations.
 */
export async function queueGroupChanges(
  tx: Executor,
  groupId: string,
  profileIds: string[],
): Promise<{ id: string; name: string; type: string }[]> {
  const rows = await groupDestinations(tx, groupId);
  if (rows.length === 0 || profileIds.length === 0) return rows;
  await tx.execute(sql`
    insert into destination_changes (destination_id, profile_id)
    select d.id, u.id from unnest(${sql.param(rows.map((r) => r.id))}::text[]) as d(id)
    cross join unnest(${sql.param(profileIds)}::text[]) as u(id)`);
  return rows;
}
