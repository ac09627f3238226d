import { sql } from 'drizzle-orm';
import type { GroupRule, MatchType } from '../lib/rules';
import type { PropertyDefinition } from '../lib/normalize';
import type { Db } from './client';
import { compileRules } from './rules-sql';

/**
 * Keeps `group_members` of rule groups equal to what their rules say. Everything is
 * set-based: a group over a million profiles is recomputed by Postgres, never loaded here.
 */

/** Db or an open transaction: everything here runs inside the caller's transaction. */
type Executor = Pick<Db, 'execute'>;

/**
 * Membership is computed by two kinds of transaction that cannot see each other's uncommitted
 * work: a profile write evaluates the rules it reads, a group recompute the profiles it reads.
 * Run concurrently, each would miss the other's change and leave a membership wrong until the
 * next write. A transaction-scoped advisory lock orders them: profile writes share it, a whole
 * group recompute takes it alone, so it waits for writes in flight and later writes wait for
 * its rules to commit.
 */
const membershipLock = sql`hashtext('outflow:group-membership')`;

/** Taken by profile writes before they write: many at once, never during a group recompute. */
export async function lockMembershipsShared(tx: Executor): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock_shared(${membershipLock})`);
}

async function lockMembershipsExclusive(tx: Executor): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${membershipLock})`);
}

export interface RuleGroup {
  id: string;
  rules: GroupRule[];
  matchType: MatchType;
}

/**
 * Brings a rule group's members up to date for `profileIds` (a profile write). One insert and
 * one delete. Returns the ids whose membership changed.
 */
export async function recomputeGroup(
  tx: Executor,
  group: RuleGroup,
  definitions: Record<string, PropertyDefinition>,
  profileIds: string[],
): Promise<string[]> {
  const cond = compileRules(group.rules, group.matchType, definitions);
  const scope = sql`p.id = any(${sql.param(profileIds)}::text[])`;
  const added = await tx.execute<{ profile_id: string }>(sql`
    insert into group_members (group_id, profile_id)
    select ${group.id}, p.id from profiles p where ${scope} and (${cond})
    on conflict do nothing returning profile_id`);
  const removed = await tx.execute<{ profile_id: string }>(sql`
    delete from group_members gm using profiles p
    where gm.group_id = ${group.id} and gm.profile_id = p.id and ${scope}
      and not coalesce((${cond}), false)
    returning gm.profile_id`);
  return [...added, ...removed].map((r) => r.profile_id);
}

/**
 * Re-evaluates every profile against a group's rules in one statement, and queues the
 * profiles that moved in or out for `destinationIds` (those that track or map the group).
 * Returns counts only, so the moved ids never leave Postgres.
 */
export async function recomputeWholeGroup(
  tx: Executor,
  group: RuleGroup,
  definitions: Record<string, PropertyDefinition>,
  destinationIds: string[],
): Promise<{ added: number; removed: number }> {
  const cond = compileRules(group.rules, group.matchType, definitions);
  await lockMembershipsExclusive(tx);
  // Data-modifying CTEs share one snapshot: the delete never sees the rows just inserted,
  // and the two sets are disjoint anyway (matching vs not matching).
  const [row] = await tx.execute<{ added: number; removed: number }>(sql`
    with added as (
      insert into group_members (group_id, profile_id)
      select ${group.id}, p.id from profiles p where (${cond})
      on conflict do nothing returning profile_id),
    removed as (
      delete from group_members gm using profiles p
      where gm.group_id = ${group.id} and gm.profile_id = p.id and not coalesce((${cond}), false)
      returning gm.profile_id),
    queued as (
      insert into destination_changes (destination_id, profile_id)
      select d.id, m.profile_id
      from (select profile_id from added union all select profile_id from removed) m
      cross join unnest(${sql.param(destinationIds)}::text[]) as d(id)
      returning 1)
    select (select count(*)::int from added) as added,
           (select count(*)::int from removed) as removed,
           (select count(*)::int from queued) as queued`);
  return { added: row?.added ?? 0, removed: row?.removed ?? 0 };
}

/** Recomputes every rule group for the given profiles; returns ids whose memberships changed. */
export async function recomputeRuleGroups(
  tx: Executor,
  definitions: Record<string, PropertyDefinition>,
  profileIds: string[],
): Promise<string[]> {
  if (profileIds.length === 0) return [];
  const groups = await tx.execute<{ id: string; rules: GroupRule[]; match_type: MatchType }>(
    sql`select id, rules, match_type from groups where kind = 'rules'`,
  );
  const changed = new Set<string>();
  for (const g of groups) {
    const group = { id: g.id, rules: g.rules, matchType: g.match_type };
    for (const id of await recomputeGroup(tx, group, definitions, profileIds)) changed.add(id);
  }
  return [...changed];
}

/** Rule groups whose membership depends on the clock (a relative date rule). */
export async function relativeGroups(tx: Executor): Promise<RuleGroup[]> {
  const rows = await tx.execute<{ id: string; rules: GroupRule[]; match_type: MatchType }>(sql`
    select id, rules, match_type from groups
    where kind = 'rules'
      and (rules @> '[{"op":"relative_gt"}]'::jsonb or rules @> '[{"op":"relative_lt"}]'::jsonb)
    order by id`);
  return rows.map((g) => ({ id: g.id, rules: g.rules, matchType: g.match_type }));
}
