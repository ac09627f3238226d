import { eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { apps, destinations } from '../../../db/schema';
import { profilesChangedSignal } from '../../../workflows/definitions';
import {
  createDestination,
  exportsOf,
  keys,
  queue,
  upsertProfile,
  values,
} from '../../helpers/fixtures';
import { eventually, startDestinationWorkflow, type TestWorker } from '../../helpers/worker';
import type { FakeBraze } from './server';

/** external_id and email are both the profile's email, as most Braze workspaces use them. */
export const brazeMapping = { external_id: keys.email, email: keys.email, first_name: keys.name };

/**
 * A real `braze` destination aimed at `fake`, its workflow running on `tw`, with the steps a
 * test takes through the engine.
 */
export async function startBrazeDestination(db: Db, tw: TestWorker, fake: FakeBraze) {
  const destinationId = await createDestination(db, { type: 'braze', mapping: brazeMapping });
  const [row] = await db.select().from(destinations).where(eq(destinations.id, destinationId));
  const options = { apiKey: fake.apiKey, restEndpoint: fake.restEndpoint, timeoutMs: 5_000 };
  await db.update(apps).set({ options }).where(eq(apps.id, row!.appId));
  await startDestinationWorkflow(tw, destinationId);
  const handle = tw.client.workflow.getHandle(`destination:${destinationId}`);

  /** queues the profiles, as the API does, and tells the workflow */
  async function pass(profileIds: string[]) {
    await queue(db, destinationId, profileIds);
    await handle.signal(profilesChangedSignal, { profileIds });
  }

  return {
    destinationId,
    pass,
    /** writes the profile's values and passes it */
    async change(profileId: string, v: Parameters<typeof values>[0]) {
      await upsertProfile(db, profileId, values(v));
      await pass([profileId]);
    },
    exports: (profileId: string) => exportsOf(db, destinationId, profileId),
    /** the profile's last export once it has `count` exports and the last is final */
    settled: (profileId: string, count: number, timeoutMs?: number) =>
      eventually(async () => {
        const rows = await exportsOf(db, destinationId, profileId);
        const last = rows.at(-1);
        return rows.length === count && last && ['complete', 'failed'].includes(last.state)
          ? last
          : null;
      }, timeoutMs),
  };
}

/** The attribute objects `/users/track` received for one external id, oldest first. */
export function trackedFor(fake: FakeBraze, externalId: string) {
  return fake.requests
    .filter((r) => r.path === '/users/track')
    .flatMap((r) => r.body.attributes as Record<string, unknown>[])
    .filter((a) => a.external_id === externalId);
}
