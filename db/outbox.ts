import { sql, type SQL } from 'drizzle-orm';
import type { CollectionType } from '../lib/domain';
import type { Db } from './client';

/**
 * Writes to the outbox `destination_changes`, always inside the transaction of the change
 * itself, so "committed ⇒ will be exported" holds. All statements are set-based.
 */

type Executor = Pick<Db, 'execute'>;

/** Profile ids queued per destination id. */
export type QueuedChanges = Map<string, string[]>;

/**
 * Queues each changed profile for the live destinations it concerns: those whose collection
 * holds it now (everyone, or a member of the tracked group, memberships already recomputed),
 * those whose remote holds it (so a profile that left gets its delete), and those that still
 * have it queued or in flight (so the newest version follows). Others are not woken at all:
 * for them the profile did not exist before and does not now.
 */
export async function queueProfiles(tx: Executor, profileIds: string[]): Promise<QueuedChanges> {
  const queued: QueuedChanges = new Map();
  if (profileIds.length === 0) return queued;
  const rows = await tx.execute<{ destination_id: string; profile_id: string }>(sql`
    insert into destination_changes (destination_id, profile_id)
    select d.id, u.id from destinations d
    cross join unnest(${sql.param(profileIds)}::text[]) as u(id)
    where d.deleted_at is null and (
      d.collection = 'all'
      or (d.collection = 'group' and exists (
        select 1 from group_members gm where gm.group_id = d.group_id and gm.profile_id = u.id))
      or exists (
        select 1 from destination_profiles dp
        where dp.destination_id = d.id and dp.profile_id = u.id and dp.present)
      or exists (
        select 1 from destination_changes dc
        where dc.destination_id = d.id and dc.profile_id = u.id))
    returning destination_id, profile_id`);
  for (const { destination_id: destinationId, profile_id: profileId } of rows) {
    const ids = queued.get(destinationId) ?? [];
    ids.push(profileId);
    queued.set(destinationId, ids);
  }
  return queued;
}

/** A query of a collection's profile ids (column `profile_id`); null for nobody. */
function collectionMembers(collection: CollectionType, groupId: string | null): SQL | null {
  if (collection === 'all') return sql`select id as profile_id from profiles`;
  if (collection === 'group' && groupId) {
    return sql`select profile_id from group_members where group_id = ${groupId}`;
  }
  return null;
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
  const members = collectionMembers(collection, groupId);
  if (!members) return;
  await tx.execute(sql`
    insert into destination_changes (destination_id, profile_id, run_id)
    select ${destinationId}, m.profile_id, ${runId} from (${members}) m`);
}

/**
 * Queues, once each, every profile a changed definition may concern: the members of the old
 * and the new collection, and everyone the remote still holds (so it can be removed or fixed).
 */
export async function queueReevaluation(
  tx: Executor,
  destinationId: string,
  collections: { collection: CollectionType; groupId: string | null }[],
  runId: string,
  /** send even the unchanged: the destination's options moved where the data goes */
  resend = false,
): Promise<void> {
  const sources = [
    sql`select profile_id from destination_profiles
        where destination_id = ${destinationId} and present`,
  ];
  for (const { collection, groupId } of collections) {
    const members = collectionMembers(collection, groupId);
    if (members) sources.push(members);
  }
  // `union` drops the duplicates: a profile in both collections gets one row, not three.
  await tx.execute(sql`
    insert into destination_changes (destination_id, profile_id, run_id, resend)
    select ${destinationId}, s.profile_id, ${runId}, ${resend}
    from (${sql.join(sources, sql` union `)}) s`);
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

/** Drops everything a deleted destination still had queued: nothing more goes there. */
export async function dropQueue(tx: Executor, destinationId: string): Promise<number> {
  const rows = await tx.execute(
    sql`delete from destination_changes where destination_id = ${destinationId} returning 1`,
  );
  return rows.length;
}
