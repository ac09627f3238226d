import { randomUUID } from 'node:crypto';
import type { ConnectorContext, ExportChange } from '../../../connectors/types';
import type {
  HubspotAppOptions,
  HubspotDestinationOptions,
} from '../../../connectors/hubspot/options';
import { syncOperationsFor, type SyncMode } from '../../../lib/domain';
import type { FakeHubspot } from './server';

/** A connector context aimed at `fake`. */
export function hubspotContext(
  fake: FakeHubspot,
  mode: SyncMode = 'sync',
  destinationOptions: Partial<HubspotDestinationOptions> = {},
): ConnectorContext<HubspotAppOptions, HubspotDestinationOptions> {
  return {
    appId: `app_${randomUUID()}`,
    appOptions: { accessToken: fake.accessToken, baseUrl: fake.baseUrl, timeoutMs: 5_000 },
    destinationId: `dst_${randomUUID()}`,
    destinationOptions: { listPrefix: '', ...destinationOptions },
    syncOperations: syncOperationsFor(mode),
  };
}

let exportId = 0;

/** A change of `profileId`, by default creating `<profileId>@example.com`. */
export function contactChange(profileId: string, more: Partial<ExportChange> = {}): ExportChange {
  exportId += 1;
  return {
    exportId,
    profileId,
    toDelete: false,
    oldProperties: {},
    newProperties: { email: `${profileId}@example.com` },
    oldGroups: [],
    newGroups: [],
    ...more,
  };
}

/** The live contact under `email`, as a test would look it up in HubSpot's UI. */
export function contactOf(fake: FakeHubspot, email: string) {
  return fake.state.byEmail(email);
}

/** Names of the lists the contact under `email` is in, sorted. */
export function listsOf(fake: FakeHubspot, email: string): string[] {
  const contact = fake.state.byEmail(email);
  if (!contact) return [];
  return [...fake.state.lists.values()]
    .filter((l) => l.members.has(contact.id))
    .map((l) => l.name)
    .sort();
}

export function liveContacts(fake: FakeHubspot) {
  return [...fake.state.contacts.values()].filter((c) => !c.archived);
}
