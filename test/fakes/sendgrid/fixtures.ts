import { randomUUID } from 'node:crypto';
import type { ConnectorContext, ExportChange } from '../../../connectors/types';
import type {
  SendgridAppOptions,
  SendgridDestinationOptions,
} from '../../../connectors/sendgrid/options';
import { syncOperationsFor, type SyncMode } from '../../../lib/domain';
import type { FakeSendgrid } from './server';

/** A connector context aimed at `fake`, polling jobs quickly. */
export function sendgridContext(
  fake: FakeSendgrid,
  mode: SyncMode = 'sync',
): ConnectorContext<SendgridAppOptions, SendgridDestinationOptions> {
  return {
    appId: `app_${randomUUID()}`,
    appOptions: { apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 5_000, jobPollMs: 100 },
    destinationId: `dst_${randomUUID()}`,
    destinationOptions: {},
    syncOperations: syncOperationsFor(mode),
  };
}

let exportId = 0;

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

/** A fresh email, so tests sharing one fake never meet. */
export const uniqueEmail = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.com`;
