import { randomUUID } from 'node:crypto';
import type { ConnectorContext, ExportChange } from '../../../connectors/types';
import type {
  MailchimpAppOptions,
  MailchimpDestinationOptions,
} from '../../../connectors/mailchimp/options';
import { syncOperationsFor, type SyncMode } from '../../../lib/domain';
import type { FakeMailchimp } from './server';
import { subscriberHash } from './problems';
import type { List } from './state';

/** A connector context aimed at `fake`, for one list. */
export function mailchimpContext(
  fake: FakeMailchimp,
  list: List,
  mode: SyncMode = 'sync',
): ConnectorContext<MailchimpAppOptions, MailchimpDestinationOptions> {
  return {
    appId: `app_${randomUUID()}`,
    appOptions: { apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 5_000 },
    destinationId: `dst_${randomUUID()}`,
    destinationOptions: { listId: list.id },
    syncOperations: syncOperationsFor(mode),
  };
}

let exportId = 0;

export function memberChange(profileId: string, more: Partial<ExportChange> = {}): ExportChange {
  exportId += 1;
  return {
    exportId,
    profileId,
    toDelete: false,
    oldProperties: {},
    newProperties: { email_address: `${profileId}@example.com` },
    oldGroups: [],
    newGroups: [],
    ...more,
  };
}

/** The member stored under `email`, as a test would look it up in Mailchimp's UI. */
export function memberOf(list: List, email: string) {
  return list.members.get(subscriberHash(email));
}

export function tagsOf(list: List, email: string): string[] {
  return (memberOf(list, email)?.tags ?? []).map((t) => t.name).sort();
}

/** The calls Mailchimp received for the member with `email`, as "METHOD /path", in order. */
export function callsFor(fake: FakeMailchimp, email: string): string[] {
  const hash = subscriberHash(email);
  return fake.requests.filter((r) => r.includes(`/members/${hash}`));
}
