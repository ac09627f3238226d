import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import {
  apps,
  destinationProfiles,
  destinations,
  exports,
  groupMembers,
  profiles,
  properties,
} from '../db/schema';
import { getConnector } from '../connectors';
import { ApplicationFailure } from '@temporalio/activity';
import { RemoteUnavailableError, type Connector, type MappingOptions } from '../connectors/types';
import type { PlanBaseline } from '../lib/plan';
import type { ProfileProperties, PropertyType } from '../lib/domain';

/** Raised when a destination's type has no connector in this worker; retried by Temporal. */
export class ConnectorMissingError extends Error {
  override name = 'ConnectorMissingError';
  constructor(
    readonly destinationId: string,
    readonly type: string,
  ) {
    super(
      `no connector is registered for destination type "${type}" (destination ${destinationId})`,
    );
  }
}

export type DestinationRow = typeof destinations.$inferSelect;
export type AppRow = typeof apps.$inferSelect;
export type ExportRow = typeof exports.$inferSelect;

/** The destination as it is now, with its app; null when it does not exist. */
export async function loadDestination(db: Db, destinationId: string) {
  const [row] = await db
    .select({ destination: destinations, app: apps })
    .from(destinations)
    .innerJoin(apps, eq(apps.id, destinations.appId))
    .where(eq(destinations.id, destinationId));
  return row ?? null;
}

/** Everything planning needs that does not depend on the profiles. */
export async function loadExportContext(db: Db, destination: DestinationRow, app: AppRow) {
  const connector: Connector | undefined = getConnector(app.type);
  if (!connector) throw new ConnectorMissingError(destination.id, app.type);
  const mappingOptions: MappingOptions = await connector
    .mappingOptions({
      appId: app.id,
      appOptions: app.options,
      destinationId: destination.id,
      destinationOptions: destination.options,
    })
    .catch((err: unknown) => {
      // A rate-limited or unreachable tool: retry the activity when the tool asked, rather
      // than after Temporal's growing backoff.
      if (err instanceof RemoteUnavailableError && err.retryAfterMs !== undefined) {
        throw ApplicationFailure.create({
          message: err.message,
          type: err.name,
          nextRetryDelay: err.retryAfterMs,
        });
      }
      throw err;
    });
  const propertyRows = await db.select().from(properties);
  const propertyTypes: Record<string, { type: PropertyType; isArray: boolean }> = {};
  for (const p of propertyRows) propertyTypes[p.key] = { type: p.type, isArray: p.isArray };
  return { connector, mappingOptions, propertyTypes };
}

export interface ProfileState {
  profile: { id: string; properties: ProfileProperties } | null;
  memberGroupIds: string[];
  baseline: (PlanBaseline & { exportId: number }) | null;
  /** pending or processing exports, oldest first */
  open: ExportRow[];
}

/** Loads the profiles, their relevant memberships, baselines and open exports in four queries. */
export async function loadProfileStates(
  db: Db,
  destination: DestinationRow,
  profileIds: string[],
): Promise<Map<string, ProfileState>> {
  // Only the tracked group and the mapped groups can change a plan.
  const relevantGroups = [...Object.keys(destination.groupMapping)];
  if (destination.groupId) relevantGroups.push(destination.groupId);

  const [profileRows, memberRows, baselineRows, openRows] = await Promise.all([
    db.select().from(profiles).where(inArray(profiles.id, profileIds)),
    relevantGroups.length === 0
      ? Promise.resolve([])
      : db
          .select()
          .from(groupMembers)
          .where(
            and(
              inArray(groupMembers.profileId, profileIds),
              inArray(groupMembers.groupId, relevantGroups),
            ),
          ),
    db
      .select({ export: exports })
      .from(destinationProfiles)
      .innerJoin(exports, eq(exports.id, destinationProfiles.baselineExportId))
      .where(
        and(
          eq(destinationProfiles.destinationId, destination.id),
          inArray(destinationProfiles.profileId, profileIds),
        ),
      ),
    db
      .select()
      .from(exports)
      .where(
        and(
          eq(exports.destinationId, destination.id),
          inArray(exports.profileId, profileIds),
          inArray(exports.state, ['pending', 'processing']),
        ),
      )
      .orderBy(exports.id),
  ]);

  const states = new Map<string, ProfileState>();
  for (const id of profileIds)
    states.set(id, { profile: null, memberGroupIds: [], baseline: null, open: [] });
  for (const p of profileRows) states.get(p.id)!.profile = { id: p.id, properties: p.properties };
  for (const m of memberRows) states.get(m.profileId)!.memberGroupIds.push(m.groupId);
  for (const { export: e } of baselineRows) {
    states.get(e.profileId)!.baseline = {
      exportId: e.id,
      toDelete: e.toDelete,
      newProperties: e.newProperties,
      newGroups: e.newGroups,
    };
  }
  for (const e of openRows) states.get(e.profileId)!.open.push(e);
  return states;
}
