import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb } from '../helpers/db';
import {
  createDestination,
  ensureProperties,
  outboxOf,
  queue,
  uid,
  upsertProfile,
  values,
} from '../helpers/fixtures';
import { createTestConnector } from '../helpers/test-connector';
import {
  eventually,
  startDestinationWorkflow,
  startTestWorker,
  type TestWorker,
} from '../helpers/worker';
import { profilesChangedSignal, statusQuery } from '../../workflows/definitions';

/**
 * What a destination workflow costs in history: per exported batch, while idle, and in total
 * before it continues as new (a worker restart replays a whole run's history in one task).
 */

const { db } = testDb();
let tw: TestWorker;

beforeAll(async () => {
  await ensureProperties(db);
  tw = await startTestWorker(db);
});
afterAll(() => tw?.stop());

async function addProfiles(destinationId: string, count: number, queued = true) {
  const ids = Array.from({ length: count }, () => uid('prf'));
  for (const id of ids)
    await upsertProfile(db, id, values({ email: `${id}@example.com`, name: id }));
  if (queued) await queue(db, destinationId, ids);
  return ids;
}

async function historyOf(workflowId: string, runId: string) {
  const history = await tw.client.workflow.getHandle(workflowId, runId).fetchHistory();
  const events = history.events ?? [];
  const activities = (name: string) =>
    events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name);
  /** history events per batch from the first exportBatch to the last, start-up excluded */
  const perBatch = () => {
    const at = activities('exportBatch').map((e) => Number(e.eventId));
    return (at.at(-1)! - at[0]!) / (at.length - 1);
  };
  return { events: events.length, activities, perBatch };
}

describe('destination workflow history', () => {
  // Per batch: the signal, the batch window's timer, the plan and export activities (three
  // events each) and the workflow tasks between them.
  it('adds at most 16 events per exported batch when each batch follows a signal', async () => {
    const remote = createTestConnector();
    const destinationId = await createDestination(db, { type: remote.type });
    const handle = await startDestinationWorkflow(tw, destinationId, {
      batchSize: 2,
      concurrency: 1,
      batchWindowMs: 50,
    });
    const { runId } = await handle.describe();
    const ids = await addProfiles(destinationId, 40, false);
    for (let i = 0; i < ids.length; i += 2) {
      // Queued as the API does, one change of two profiles at a time.
      await queue(db, destinationId, ids.slice(i, i + 2));
      await handle.signal(profilesChangedSignal, { profileIds: ids.slice(i, i + 2) });
      await eventually(async () => remote.remote.size === i + 2);
    }
    await eventually(async () => (await handle.query(statusQuery)).inFlightProfiles === 0);

    const history = await historyOf(handle.workflowId, runId);
    expect(history.activities('exportBatch')).toHaveLength(20);
    expect(history.perBatch()).toBeLessThanOrEqual(16);
  });

  it('reads its outbox less and less often while idle, and still finds a change whose signal was lost', async () => {
    const remote = createTestConnector();
    const destinationId = await createDestination(db, { type: remote.type });
    const handle = await startDestinationWorkflow(tw, destinationId, {
      catchUpIntervalMs: 500,
      maxCatchUpIntervalMs: 2000,
    });
    const { runId } = await handle.describe();
    await new Promise((r) => setTimeout(r, 9000));

    // 500 ms apart that would be ~18 reads; doubling up to 2 s makes it ~7.
    const idle = await historyOf(handle.workflowId, runId);
    expect(idle.activities('readOutbox').length).toBeLessThanOrEqual(7);

    const [lost] = await addProfiles(destinationId, 1);
    const queuedAt = Date.now();
    await eventually(async () => remote.remote.has(`${lost}@example.com`), 10_000);
    // The longest interval, plus a read, a batch window and an export.
    expect(Date.now() - queuedAt).toBeLessThan(2000 + 2500);
  });

  it('continues as new when its history reaches maxHistoryEvents, exporting every change', async () => {
    const remote = createTestConnector();
    const destinationId = await createDestination(db, { type: remote.type });
    const handle = await startDestinationWorkflow(tw, destinationId, {
      batchSize: 2,
      concurrency: 1,
      batchWindowMs: 50,
      maxHistoryEvents: 80,
    });
    const { runId: firstRunId } = await handle.describe();
    const ids = await addProfiles(destinationId, 24);
    for (let i = 0; i < ids.length; i += 2) {
      await handle.signal(profilesChangedSignal, { profileIds: ids.slice(i, i + 2) });
      await new Promise((r) => setTimeout(r, 100));
    }

    await eventually(async () => remote.remote.size === 24, 30_000);
    await eventually(async () => (await outboxOf(db, destinationId)).length === 0);
    expect((await handle.describe()).runId).not.toBe(firstRunId);
    // It stops at the limit once its batch in flight ends: a few events past it, no more.
    const first = await historyOf(handle.workflowId, firstRunId);
    expect(first.events).toBeGreaterThanOrEqual(80);
    expect(first.events).toBeLessThanOrEqual(100);
    expect(ids.every((id) => remote.sentFor(id).length === 1)).toBe(true);
  });
});
