import { sql } from 'drizzle-orm';
import type { ProfileProperties } from '../lib/domain';
import { quote, type PropertyDefinition } from '../lib/normalize';
import type { Db } from './client';
import { queueProfiles, type QueuedChanges } from './outbox';
import { lockMembershipsShared, recomputeRuleGroups } from './group-members';

/**
 * The profile write path: upsert, recompute rule-group memberships, queue the outbox. Callers
 * run it inside one transaction; every step is set-based so a batch of thousands costs a
 * handful of statements.
 */

type Executor = Pick<Db, 'execute'>;

export interface ProfileInput {
  id: string;
  /** normalised values; a key that is absent has no value */
  properties: ProfileProperties;
}

/** A value of a `unique` property that another profile already holds. */
export class UniqueValueError extends Error {
  override name = 'UniqueValueError';
  constructor(
    readonly property: string,
    readonly value: string,
    options?: { cause?: unknown },
  ) {
    super(`another profile already has ${property} ${quote(value)}`, options);
  }
}

/** The index name of a unique property; also how a violation is traced back to its key. */
export function uniqueIndexName(key: string): string {
  return `profiles_unique_${key}`;
}

/** Finds the postgres error behind drizzle's wrapper, if any. */
function pgError(error: unknown): { code?: string; constraint_name?: string; detail?: string } {
  let e = error as { code?: string; cause?: unknown } | undefined;
  while (e && !e.code && e.cause) e = e.cause as typeof e;
  return (e ?? {}) as { code?: string; constraint_name?: string; detail?: string };
}

/** Rethrows a unique-index violation on profiles as a UniqueValueError. */
export function asUniqueValueError(error: unknown): unknown {
  const pg = pgError(error);
  if (pg.code !== '23505' || !pg.constraint_name?.startsWith('profiles_unique_')) return error;
  const property = pg.constraint_name.slice('profiles_unique_'.length);
  const value = /\)=\((.*)\) already exists/.exec(pg.detail ?? '')?.[1] ?? '';
  return new UniqueValueError(property, value, { cause: error });
}

export async function loadDefinitions(tx: Executor): Promise<Record<string, PropertyDefinition>> {
  const rows = await tx.execute<{
    key: string;
    type: PropertyDefinition['type'];
    is_array: boolean;
    unique: boolean;
  }>(sql`select key, type, is_array, "unique" from properties`);
  return Object.fromEntries(
    rows.map((r) => [r.key, { type: r.type, isArray: r.is_array, unique: r.unique }]),
  );
}

/**
 * Upserts profiles (replacing their properties); returns the ids that really changed and what
 * was queued for which destination. Profiles whose stored properties are equal are left alone
 * and queue nothing.
 */
export async function writeProfiles(
  tx: Executor,
  definitions: Record<string, PropertyDefinition>,
  profiles: ProfileInput[],
): Promise<{ changed: string[]; queued: QueuedChanges }> {
  if (profiles.length === 0) return { changed: [], queued: new Map() };
  // One row per id, the last one winning, as `ON CONFLICT` cannot touch a row twice.
  const rows = [...new Map(profiles.map((p) => [p.id, p])).values()];
  await lockMembershipsShared(tx);
  let changed: string[];
  try {
    const result = await tx.execute<{ id: string }>(sql`
      insert into profiles (id, properties)
      select x.id, x.properties
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(id text, properties jsonb)
      -- In id order: concurrent batches then lock the rows they share in the same order, and
      -- never deadlock (two batches of the same ids shuffled differently did).
      order by x.id collate "C"
      on conflict (id) do update set properties = excluded.properties, updated_at = now()
      where profiles.properties is distinct from excluded.properties
      returning id`);
    changed = result.map((r) => r.id);
  } catch (error) {
    throw asUniqueValueError(error);
  }
  await recomputeRuleGroups(tx, definitions, changed);
  return { changed, queued: await queueProfiles(tx, changed) };
}

/**
 * Hard-deletes a profile and queues it, so each destination that holds it deletes it remotely.
 * Returns null when there was no such profile.
 */
export async function deleteProfile(tx: Executor, id: string): Promise<QueuedChanges | null> {
  const deleted = await tx.execute<{ id: string }>(
    sql`delete from profiles where id = ${id} returning id`,
  );
  if (deleted.length === 0) return null;
  return queueProfiles(tx, [id]);
}
