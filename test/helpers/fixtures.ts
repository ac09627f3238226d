import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import {
  apps,
  destinationChanges,
  destinations,
  exports,
  groupMembers,
  groups,
  profiles,
  properties,
} from '../../db/schema';
import type { CollectionType, ProfileProperties, SyncMode } from '../../lib/domain';

/**
 * Test data written straight to the database, as the API would leave it. Every helper makes
 * unique ids so tests never share rows.
 */

export const uid = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

// Property keys are global ids: each test process gets its own, so no suite sees ours.
const run = randomUUID().slice(0, 8);
export const keys = { email: `email_${run}`, name: `name_${run}`, ltv: `ltv_${run}` };

/** Creates this process's properties (see `keys`). */
export async function ensureProperties(db: Db): Promise<void> {
  await db
    .insert(properties)
    .values([
      { key: keys.email, type: 'email', unique: true },
      { key: keys.name, type: 'string' },
      { key: keys.ltv, type: 'float' },
    ])
    .onConflictDoNothing();
}

/** Profile values under this process's property keys. */
export function values(v: { email?: string; name?: string; ltv?: number }): ProfileProperties {
  const out: ProfileProperties = {};
  for (const [k, value] of Object.entries(v)) out[keys[k as keyof typeof keys]] = value;
  return out;
}

export async function createGroup(db: Db, name = 'Group'): Promise<string> {
  const id = uid('grp');
  await db.insert(groups).values({ id, name, kind: 'manual' });
  return id;
}

export async function upsertProfile(
  db: Db,
  id: string,
  values: ProfileProperties,
  groupIds: string[] = [],
): Promise<void> {
  await db
    .insert(profiles)
    .values({ id, properties: values })
    .onConflictDoUpdate({
      target: profiles.id,
      set: { properties: values, updatedAt: new Date() },
    });
  await db.delete(groupMembers).where(eq(groupMembers.profileId, id));
  if (groupIds.length > 0) {
    await db.insert(groupMembers).values(groupIds.map((groupId) => ({ groupId, profileId: id })));
  }
}

export async function deleteProfile(db: Db, id: string): Promise<void> {
  await db.delete(profiles).where(eq(profiles.id, id));
}

export interface DestinationFixture {
  type: string;
  collection?: CollectionType;
  groupId?: string | null;
  mapping?: Record<string, string>;
  groupMapping?: Record<string, string>;
  syncMode?: SyncMode;
}

export async function createDestination(db: Db, fixture: DestinationFixture): Promise<string> {
  const appId = uid('app');
  const id = uid('dst');
  await db.insert(apps).values({ id: appId, name: 'Test app', type: fixture.type });
  await db.insert(destinations).values({
    id,
    name: `Test ${id}`,
    appId,
    collection: fixture.collection ?? 'all',
    groupId: fixture.groupId ?? null,
    mapping: fixture.mapping ?? { external_id: keys.email, name: keys.name },
    groupMapping: fixture.groupMapping ?? {},
    syncMode: fixture.syncMode ?? 'sync',
  });
  return id;
}

export async function updateDestination(
  db: Db,
  id: string,
  changes: Partial<Omit<DestinationFixture, 'type'>> & { deletedAt?: Date },
): Promise<void> {
  await db.update(destinations).set(changes).where(eq(destinations.id, id));
}

/** Queues profiles in the outbox, as the API does in the transaction of a change. */
export async function queue(db: Db, destinationId: string, profileIds: string[]): Promise<void> {
  if (profileIds.length === 0) return;
  await db
    .insert(destinationChanges)
    .values(profileIds.map((profileId) => ({ destinationId, profileId })));
}

export async function exportsOf(db: Db, destinationId: string, profileId?: string) {
  return db
    .select()
    .from(exports)
    .where(
      and(
        eq(exports.destinationId, destinationId),
        profileId ? eq(exports.profileId, profileId) : undefined,
      ),
    )
    .orderBy(exports.id);
}

export async function outboxOf(db: Db, destinationId: string, profileIds?: string[]) {
  return db
    .select()
    .from(destinationChanges)
    .where(
      and(
        eq(destinationChanges.destinationId, destinationId),
        profileIds ? inArray(destinationChanges.profileId, profileIds) : undefined,
      ),
    );
}
