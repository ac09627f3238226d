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
import type { FakeMailchimp } from './server';
import type { List } from './state';

export const mailchimpMapping = { email_address: keys.email, FNAME: keys.name };

/**
 * A real `mailchimp` destination aimed at one audience of `fake`, its workflow running on
 * `tw`, with the steps a test takes through the engine.
 */
export async function startMailchimpDestination(db: Db, tw: TestWorker, fake: FakeMailchimp) {
  const list: List = fake.createList();
  const destinationId = await createDestination(db, {
    type: 'mailchimp',
    mapping: mailchimpMapping,
  });
  const [row] = await db.select().from(destinations).where(eq(destinations.id, destinationId));
  const options = { apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 5_000 };
  await db.update(apps).set({ options }).where(eq(apps.id, row!.appId));
  await db
    .update(destinations)
    .set({ options: { listId: list.id } })
    .where(eq(destinations.id, destinationId));
  await startDestinationWorkflow(tw, destinationId);
  const handle = tw.client.workflow.getHandle(`destination:${destinationId}`);

  /** queues the profiles, as the API does, and tells the workflow */
  async function pass(profileIds: string[]) {
    await queue(db, destinationId, profileIds);
    await handle.signal(profilesChangedSignal, { profileIds });
  }

  return {
    destinationId,
    list,
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
