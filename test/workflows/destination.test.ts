import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destinations } from '../../db/schema';
import { testDb } from '../helpers/db';
import {
  createDestination,
  values,
  ensureProperties,
  exportsOf,
  outboxOf,
  queue,
  uid,
  updateDestination,
  upsertProfile,
} from '../helpers/fixtures';
import { createTestConnector } from '../helpers/test-connector';
import {
  eventually,
  startDestinationWorkflow,
  startTestWorker,
  type TestWorker,
} from '../helpers/worker';
import {
  destinationDeletedSignal,
  pauseUpdate,
  profilesChangedSignal,
  resumeUpdate,
  statusQuery,
} from '../../workflows/definitions';

const { db } = testDb();
let tw: TestWorker;

beforeAll(async () => {
  await ensureProperties(db);
  tw = await startTestWorker(db);
});
afterAll(() => tw?.stop());

/** Profiles written and queued as the API does, returned with their ids. */
async function addProfiles(destinationId: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => uid('prf'));
  for (const id of ids)
    await upsertProfile(db, id, values({ email: `${id}@example.com`, name: id }));
  await queue(db, destinationId, ids);
  return ids;
}

describe('destination workflow', () => {
  it('turns many quick signals into few batches', async () => {
    const remote = createTestConnector();
    const destinationId = await createDestination(db, { type: remote.type });
    const handle = await startDestinationWorkflow(tw, destinationId, { batchWindowMs: 1500 });
    const ids = await addProfiles(destinationId, 30);
    for (const id of ids) await handle.signal(profilesChangedSignal, { profileIds: [id] });

    await eventually(async () => remote.remote.size === 30);
    expect(remote.batches.length).toBeLessThanOrEqual(3);
    await eventually(async () => (await outboxOf(db, destinationId)).length === 0);
    const rows = await exportsOf(db, destinationId);
    expect(rows.filter((e) => e.state === 'complete')).toHaveLength(30);
  });

  it('keeps every change across continue-as-new', async () => {
    const remote = createTestConnector({ maxBatchSize: 5 });
    const destinationId = await createDestination(db, { type: remote.type });
    const handle = await startDestinationWorkflow(tw, destinationId, {
      batchSize: 5,
      concurrency: 1,
      batchWindowMs: 50,
      maxBatchesPerRun: 2,
    });
    const firstRunId = (await handle.describe()).runId;
    const ids = await addProfiles(destinationId, 23);
    for (let i = 0; i < ids.length; i += 3) {
      await handle.signal(profilesChangedSignal, { profileIds: ids.slice(i, i + 3) });
    }

    await eventually(async () => remote.remote.size === 23, 40_000);
    expect((await handle.describe()).runId).not.toBe(firstRunId);
    await eventually(async () => (await outboxOf(db, destinationId)).length === 0);
  });

  it('keeps a retry wait and the pause across continue-as-new', async () => {
    const remote = createTestConnector();
    const destinationId = await createDestination(db, { type: remote.type });
    const handle = await startDestinationWorkflow(tw, destinationId, {
      batchWindowMs: 50,
      maxHistoryEvents: 60,
    });
    const firstRunId = (await handle.describe()).runId;
    const [waiting] = await addProfiles(destinationId, 1);
    remote.failures.set(waiting!, { status: 'retry', times: 1, retryAfterMs: 8000 });
    await handle.signal(profilesChangedSignal, { profileIds: [waiting!] });
    await eventually(async () => (await handle.query(statusQuery)).waitingForRetry === 1);

    // Paused as the API does it: the row first, then the update.
    await db.update(destinations).set({ paused: true }).where(eq(destinations.id, destinationId));
    await handle.executeUpdate(pauseUpdate);
    const held = await addProfiles(destinationId, 12);
    for (const id of held) await handle.signal(profilesChangedSignal, { profileIds: [id] });

    // The signals alone fill the small history: the run continues as new while paused.
    await eventually(async () => (await handle.describe()).runId !== firstRunId);
    const status = await eventually(async () => {
      const s = await handle.query(statusQuery);
      return s.pendingProfiles === 12 ? s : null;
    });
    expect(status).toMatchObject({ paused: true, waitingForRetry: 1, inFlightProfiles: 0 });
    expect(remote.sentFor(held[0]!)).toHaveLength(0);

    await db.update(destinations).set({ paused: false }).where(eq(destinations.id, destinationId));
    await handle.executeUpdate(resumeUpdate);
    await eventually(async () => (await outboxOf(db, destinationId)).length === 0, 30_000);
    expect(held.every((id) => remote.sentFor(id).length === 1)).toBe(true);
    const [done] = await exportsOf(db, destinationId, waiting!);
    expect(done).toMatchObject({ state: 'complete', attempts: 1 });
    expect(done!.completedAt!.getTime() - done!.createdAt.getTime()).toBeGreaterThanOrEqual(8000);
    expect(remote.sentFor(waiting!)).toHaveLength(2);
  });

  it('never sends one profile in two batches at once and ends with its newest version', async () => {
    const remote = createTestConnector({ delayMs: 700 });
    const destinationId = await createDestination(db, { type: remote.type });
    const handle = await startDestinationWorkflow(tw, destinationId, {
      batchWindowMs: 50,
      concurrency: 2,
    });
    const [id] = await addProfiles(destinationId, 1);
    await handle.signal(profilesChangedSignal, { profileIds: [id!] });
    await eventually(async () => remote.batches.length === 1);

    // Changed again while its first export is in flight.
    await upsertProfile(db, id!, values({ email: `${id}@example.com`, name: 'Newest' }));
    await queue(db, destinationId, [id!]);
    await handle.signal(profilesChangedSignal, { profileIds: [id!] });

    await eventually(
      async () => remote.remote.get(`${id}@example.com`)?.properties.name === 'Newest',
    );
    expect(remote.maxOverlap()).toBe(1);
    await eventually(async () => (await outboxOf(db, destinationId)).length === 0);
  });

  it('ends when the destination is deleted', async () => {
    const remote = createTestConnector();
    const destinationId = await createDestination(db, { type: remote.type });
    const handle = await startDestinationWorkflow(tw, destinationId);
    await updateDestination(db, destinationId, { deletedAt: new Date() });
    await handle.signal(destinationDeletedSignal);

    expect(await handle.result()).toEqual({ destinationId, reason: 'deleted' });
  });

  it('exports a queued change whose signal was lost, within the catch-up interval', async () => {
    const remote = createTestConnector();
    const destinationId = await createDestination(db, { type: remote.type });
    await startDestinationWorkflow(tw, destinationId, { catchUpIntervalMs: 1000 });
    await new Promise((r) => setTimeout(r, 300));
    const [id] = await addProfiles(destinationId, 1);

    await eventually(async () => remote.remote.has(`${id}@example.com`), 5000);
  });

  it('reports its pending and in-flight work in the status query', async () => {
    const remote = createTestConnector();
    const destinationId = await createDestination(db, { type: remote.type });
    const handle = await startDestinationWorkflow(tw, destinationId, { batchWindowMs: 5000 });
    const ids = await addProfiles(destinationId, 2);
    await handle.signal(profilesChangedSignal, { profileIds: ids });

    const status = await eventually(async () => {
      const s = await handle.query(statusQuery);
      return s.pendingProfiles === 2 ? s : null;
    });
    expect(status).toMatchObject({ destinationId, deleting: false, inFlightProfiles: 0 });
  });
});
