import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { apps, destinations } from '../../../db/schema';
import { destinationWorkflowId, profilesChangedSignal } from '../../../workflows/definitions';
import { testDb } from '../../helpers/db';
import {
  createDestination,
  ensureProperties,
  exportsOf,
  keys,
  queue,
  type DestinationFixture,
} from '../../helpers/fixtures';
import {
  eventually,
  startDestinationWorkflow,
  startTestWorker,
  type TestWorker,
} from '../../helpers/worker';
import { startFakeHubspot, type FakeHubspot, type FakeHubspotOptions } from './server';

type DestinationOptions = Partial<Omit<DestinationFixture, 'type'>> & {
  /** how the local HubSpot API behaves (rate window, latency) */
  fake?: FakeHubspotOptions;
};

/**
 * HubSpot destinations on the real engine (Temporal worker and Postgres), each aimed at a fresh
 * local HubSpot API. Call once at the top of a test file: it starts the worker before the
 * file's tests and closes what it started after them.
 */
export function hubspotEngine() {
  const { db } = testDb();
  let tw: TestWorker | undefined;
  const fakes: FakeHubspot[] = [];

  beforeAll(async () => {
    await ensureProperties(db);
    tw = await startTestWorker(db, { retryBaseMs: 200 });
  });
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });
  afterAll(() => tw?.stop());

  const worker = () => {
    if (!tw) throw new Error('the test worker has not started');
    return tw;
  };

  /** A `hubspot` destination (email and firstname mapped) with its workflow running. */
  async function destination({ fake, ...fixture }: DestinationOptions = {}) {
    const hs = await startFakeHubspot(fake);
    fakes.push(hs);
    const destinationId = await createDestination(db, {
      type: 'hubspot',
      mapping: { email: keys.email, firstname: keys.name },
      ...fixture,
    });
    const [row] = await db.select().from(destinations).where(eq(destinations.id, destinationId));
    const options = { accessToken: hs.accessToken, baseUrl: hs.baseUrl, timeoutMs: 5_000 };
    await db.update(apps).set({ options }).where(eq(apps.id, row!.appId));
    const handle = await startDestinationWorkflow(worker(), destinationId);
    return { destinationId, hs, handle };
  }

  /** Queues profiles in the outbox and signals the workflow, as the API does after a change. */
  async function pass(destinationId: string, profileIds: string[]) {
    await queue(db, destinationId, profileIds);
    const handle = worker().client.workflow.getHandle(destinationWorkflowId(destinationId));
    await handle.signal(profilesChangedSignal, { profileIds });
  }

  /** The profile's export rows once there are `count` and the newest is final. */
  function settled(destinationId: string, profileId: string, count: number, timeoutMs?: number) {
    return eventually(async () => {
      const rows = await exportsOf(db, destinationId, profileId);
      const last = rows.at(-1);
      const final = last && ['complete', 'failed'].includes(last.state);
      return rows.length === count && final ? rows : null;
    }, timeoutMs);
  }

  return { db, destination, pass, settled };
}

/** Inputs of every batch create and update the local API received, in arrival order. */
export function writtenInputs(hs: FakeHubspot, from = 0) {
  type Inputs = { inputs: { id?: string; properties: Record<string, string> }[] };
  return hs.requests
    .slice(from)
    .filter((r) => /\/batch\/(create|update)$/.test(r.path))
    .flatMap((r) => (r.body as Inputs).inputs);
}
