import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apps, destinations } from '../../db/schema';
import { profilesChangedSignal } from '../../workflows/definitions';
import { startFakeHubspot, type FakeHubspot } from '../fakes/hubspot';
import { contactOf, liveContacts } from '../fakes/hubspot/fixtures';
import { testDb } from '../helpers/db';
import {
  createDestination,
  ensureProperties,
  exportsOf,
  keys,
  outboxOf,
  queue,
  uid,
  upsertProfile,
  values,
} from '../helpers/fixtures';
import {
  eventually,
  startDestinationWorkflow,
  startTestWorker,
  type TestWorker,
} from '../helpers/worker';

const { db } = testDb();
let tw: TestWorker;
let fake: FakeHubspot | undefined;

beforeAll(async () => {
  await ensureProperties(db);
  tw = await startTestWorker(db, { retryBaseMs: 200 });
});
afterAll(() => tw?.stop());
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A HubSpot destination (sync mode, every profile) aimed at a fresh local HubSpot API. */
async function hubspotDestination() {
  fake = await startFakeHubspot();
  const destinationId = await createDestination(db, {
    type: 'hubspot',
    mapping: { email: keys.email, firstname: keys.name },
  });
  const [row] = await db.select().from(destinations).where(eq(destinations.id, destinationId));
  const options = { accessToken: fake.accessToken, baseUrl: fake.baseUrl, timeoutMs: 5_000 };
  await db.update(apps).set({ options }).where(eq(apps.id, row!.appId));
  await startDestinationWorkflow(tw, destinationId);
  return { destinationId, hs: fake };
}

async function change(destinationId: string, id: string, v: Parameters<typeof values>[0]) {
  await upsertProfile(db, id, values(v));
  await queue(db, destinationId, [id]);
  const handle = tw.client.workflow.getHandle(`destination:${destinationId}`);
  await handle.signal(profilesChangedSignal, { profileIds: [id] });
}

describe('hubspot destination through the workflow', () => {
  it('completes after six 429s in a row without using up attempts', async () => {
    const { destinationId, hs } = await hubspotDestination();
    hs.rateLimitNext(6, { retryAfterSeconds: 1, pathPrefix: '/crm/v3/objects/contacts/batch' });
    const id = uid('prf');
    await change(destinationId, id, { email: `${id}@example.com`, name: 'Rae' });

    const done = await eventually(async () => {
      const last = (await exportsOf(db, destinationId, id)).at(-1);
      return last?.state === 'complete' ? last : null;
    }, 45_000);
    expect(done.attempts).toBe(0);
    const reads = hs.requests.filter((r) => r.path.endsWith('/batch/read'));
    expect(reads.map((r) => r.status)).toEqual([429, 429, 429, 429, 429, 429, 207]);
    // Each retry waited at least the second HubSpot asked for.
    const gaps = reads.slice(1).map((r, i) => r.at - reads[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
    expect(contactOf(hs, `${id}@example.com`)!.properties.firstname).toBe('Rae');
  });

  it('ends a burst of 20 changes to one profile with the newest values and one contact', async () => {
    const { destinationId, hs } = await hubspotDestination();
    const id = uid('prf');
    const email = `${id}@example.com`;
    for (let i = 1; i <= 20; i++) await change(destinationId, id, { email, name: `Name ${i}` });

    await eventually(async () => {
      const outbox = await outboxOf(db, destinationId, [id]);
      return outbox.length === 0 && contactOf(hs, email)?.properties.firstname === 'Name 20';
    });
    expect(liveContacts(hs)).toHaveLength(1);
    // One profile, so every request concerned that contact: never two at once.
    expect(hs.peakConcurrency()).toBe(1);
    const states = (await exportsOf(db, destinationId, id)).map((e) => e.state);
    expect(states.at(-1)).toBe('complete');
    expect(states.filter((s) => s === 'failed')).toEqual([]);
  });
});
