import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { apps, destinations } from '../../db/schema';
import { profilesChangedSignal } from '../../workflows/definitions';
import { createDestination, exportsOf, queue, upsertProfile, values } from './fixtures';
import { eventually, startDestinationWorkflow, type TestWorker } from './worker';

export interface ToolDestinationInput {
  type: string;
  mapping: Record<string, string>;
  appOptions: Record<string, unknown>;
  destinationOptions?: Record<string, unknown>;
}

/**
 * A real destination of one of the email tools, aimed at its local API, with its workflow
 * running on `tw`, and the steps a test takes through the engine.
 */
export async function startToolDestination(db: Db, tw: TestWorker, input: ToolDestinationInput) {
  const destinationId = await createDestination(db, { type: input.type, mapping: input.mapping });
  const [row] = await db.select().from(destinations).where(eq(destinations.id, destinationId));
  await db.update(apps).set({ options: input.appOptions }).where(eq(apps.id, row!.appId));
  if (input.destinationOptions) {
    await db
      .update(destinations)
      .set({ options: input.destinationOptions })
      .where(eq(destinations.id, destinationId));
  }
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
