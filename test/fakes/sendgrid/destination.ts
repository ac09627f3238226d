import { eq } from 'drizzle-orm';
import type { SendgridAppOptions } from '../../../connectors/sendgrid/options';
import type { Db } from '../../../db/client';
import { apps, destinations } from '../../../db/schema';
import type { ProfileProperties } from '../../../lib/domain';
import { profilesChangedSignal } from '../../../workflows/definitions';
import {
  createDestination,
  exportsOf,
  keys,
  outboxOf,
  queue,
  upsertProfile,
  type DestinationFixture,
} from '../../helpers/fixtures';
import { eventually, startDestinationWorkflow, type TestWorker } from '../../helpers/worker';
import { sendgridAppOptionsFor } from './fixtures';
import type { FakeSendgrid } from './server';

/**
 * A real `sendgrid` destination aimed at a local SendGrid API, its workflow running, for tests
 * of the connector through the engine.
 */
export async function sendgridDestination(
  db: Db,
  tw: TestWorker,
  fake: FakeSendgrid,
  more: Omit<DestinationFixture, 'type'> & { app?: Partial<SendgridAppOptions> } = {},
) {
  const { app, ...fixture } = more;
  const destinationId = await createDestination(db, {
    type: 'sendgrid',
    mapping: { email: keys.email, first_name: keys.name },
    ...fixture,
  });
  const [row] = await db.select().from(destinations).where(eq(destinations.id, destinationId));
  const options = sendgridAppOptionsFor(fake, { jobPollMs: 200, ...app });
  await db.update(apps).set({ options }).where(eq(apps.id, row!.appId));
  await startDestinationWorkflow(tw, destinationId);

  /** Queues profiles and tells the workflow, as the API does after a change. */
  async function pass(profileIds: string[]) {
    await queue(db, destinationId, profileIds);
    const handle = tw.client.workflow.getHandle(`destination:${destinationId}`);
    await handle.signal(profilesChangedSignal, { profileIds });
  }

  return {
    destinationId,
    pass,
    /** Writes a profile (and its groups), then passes it to the workflow. */
    async change(id: string, values: ProfileProperties, groupIds: string[] = []) {
      await upsertProfile(db, id, values, groupIds);
      await pass([id]);
    },
    /** The profile's exports once there are `count` and the newest is final. */
    settled: (profileId: string, count: number, timeoutMs = 30_000) =>
      eventually(async () => {
        const rows = await exportsOf(db, destinationId, profileId);
        const last = rows.at(-1);
        const final = last && ['complete', 'failed'].includes(last.state);
        return rows.length === count && final ? rows : null;
      }, timeoutMs),
    /** Resolves once nothing is queued for these profiles any more. */
    drained: (profileIds: string[], timeoutMs = 30_000) =>
      eventually(
        async () => (await outboxOf(db, destinationId, profileIds)).length === 0,
        timeoutMs,
      ),
  };
}
