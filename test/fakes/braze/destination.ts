import type { Db } from '../../../db/client';
import { keys } from '../../helpers/fixtures';
import { startToolDestination } from '../../helpers/tool-destination';
import type { TestWorker } from '../../helpers/worker';
import type { FakeBraze } from './server';

/** external_id and email are both the profile's email, as most Braze workspaces use them. */
export const brazeMapping = { external_id: keys.email, email: keys.email, first_name: keys.name };

/**
 * A real `braze` destination aimed at `fake`, its workflow running on `tw`, with the steps a
 * test takes through the engine.
 */
export function startBrazeDestination(db: Db, tw: TestWorker, fake: FakeBraze) {
  const appOptions = { apiKey: fake.apiKey, restEndpoint: fake.restEndpoint, timeoutMs: 5_000 };
  return startToolDestination(db, tw, { type: 'braze', mapping: brazeMapping, appOptions });
}

/** The attribute objects `/users/track` received for one external id, oldest first. */
export function trackedFor(fake: FakeBraze, externalId: string) {
  return fake.requests
    .filter((r) => r.path === '/users/track')
    .flatMap((r) => r.body.attributes as Record<string, unknown>[])
    .filter((a) => a.external_id === externalId);
}
