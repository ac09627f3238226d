import { randomUUID } from 'node:crypto';
import type { ConnectorContext, ExportChange } from '../../../connectors/types';
import type { BrazeAppOptions, BrazeDestinationOptions } from '../../../connectors/braze/options';
import { syncOperationsFor, type SyncMode } from '../../../lib/domain';
import type { FakeBraze } from './server';

/** A connector context aimed at `fake`. */
export function brazeContext(
  fake: FakeBraze,
  mode: SyncMode = 'sync',
  groupsAttribute = 'outflow_groups',
): ConnectorContext<BrazeAppOptions, BrazeDestinationOptions> {
  return {
    appId: `app_${randomUUID()}`,
    appOptions: { apiKey: fake.apiKey, restEndpoint: fake.restEndpoint, timeoutMs: 5_000 },
    destinationId: `dst_${randomUUID()}`,
    destinationOptions: { groupsAttribute },
    syncOperations: syncOperationsFor(mode),
  };
}

let exportId = 0;

/** A change for a profile whose external id is `<profileId>-<random>` unless given. */
export function userChange(profileId: string, more: Partial<ExportChange> = {}): ExportChange {
  exportId += 1;
  return {
    exportId,
    profileId,
    toDelete: false,
    oldProperties: {},
    newProperties: { external_id: profileId },
    oldGroups: [],
    newGroups: [],
    ...more,
  };
}

/** A fresh id for a test's user, so tests sharing one fake never meet. */
export const uniqueId = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

/** The user's custom attributes, as Braze's dashboard would show them. */
export function customOf(fake: FakeBraze, externalId: string) {
  return fake.users.get(externalId)?.custom_attributes;
}
