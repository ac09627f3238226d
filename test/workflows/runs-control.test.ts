import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exports } from '../../db/schema';
import { outboxChangedSignal, statusQuery } from '../../workflows/definitions';
import { testDb } from '../helpers/db';
import {
  ensureProperties,
  exportsOf,
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
import { runningDestination, workerApi } from '../helpers/worker-api';

const { db } = testDb();
let tw: TestWorker;
let call: ReturnType<typeof workerApi>;

beforeAll(async () => {
  await ensureProperties(db);
  tw = await startTestWorker(db);
  call = workerApi(db, tw);
});
afterAll(() => tw?.stop());

/** Profiles written and queued as the API does, with the workflow told to read the outbox. */
async function queued(destinationId: string, n: number) {
  const ids = Array.from({ length: n }, () => uid('prf'));
  for (const id of ids) await upsertProfile(db, id, values({ email: `${id}@x.io`, name: 'A' }));
  await queue(db, destinationId, ids);
  await tw.client.workflow.getHandle(`destination:${destinationId}`).signal(outboxChangedSignal);
  return ids;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live control of a destination', () => {
  it('holds changes in the outbox while paused and drains every one on resume', async () => {
    const remote = createTestConnector();
    const { destinationId, handle } = await runningDestination(db, tw, { type: remote.type });
    const paused = await call('POST', `/destinations/${destinationId}/pause`);
    expect(paused.body).toMatchObject({ paused: true, workflow: { paused: true } });

    const ids = await queued(destinationId, 5);
    await sleep(1500);
    expect(remote.batches).toHaveLength(0);
    expect(await outboxOf(db, destinationId, ids)).toHaveLength(5);
    expect(await handle.query(statusQuery)).toMatchObject({ paused: true });

    await call('POST', `/destinations/${destinationId}/resume`);
    await eventually(async () => (await outboxOf(db, destinationId, ids)).length === 0);
    const rows = await exportsOf(db, destinationId);
    expect(rows.map((e) => e.state)).toEqual(Array(5).fill('complete'));
    expect(new Set(remote.batches.flat().map((c) => c.profileId))).toEqual(new Set(ids));
  });

  it('stays paused when its workflow restarts, because the destination row says so', async () => {
    const remote = createTestConnector();
    const { destinationId } = await runningDestination(db, tw, { type: remote.type });
    await call('POST', `/destinations/${destinationId}/pause`);
    const handle = await startDestinationWorkflow(tw, destinationId, { runPollMs: 200 });
    const ids = await queued(destinationId, 2);
    await sleep(1500);
    expect(await handle.query(statusQuery)).toMatchObject({ paused: true });
    expect(remote.batches).toHaveLength(0);

    await call('POST', `/destinations/${destinationId}/resume`);
    await eventually(async () => (await outboxOf(db, destinationId, ids)).length === 0);
    expect(remote.batches.flat()).toHaveLength(2);
  });

  it('changes batch size and concurrency without a restart', async () => {
    const remote = createTestConnector();
    const { destinationId, handle } = await runningDestination(db, tw, { type: remote.type });
    const res = await call('PATCH', `/destinations/${destinationId}`, {
      settings: { batchSize: 2, concurrency: 1 },
    });
    expect(res.body.settings).toEqual({ batchSize: 2, concurrency: 1 });
    expect(await handle.query(statusQuery)).toMatchObject({ batchSize: 2, concurrency: 1 });

    const ids = await queued(destinationId, 5);
    await eventually(async () => (await outboxOf(db, destinationId, ids)).length === 0);
    expect(Math.max(...remote.batches.map((b) => b.length))).toBe(2);
    expect(remote.batches.flat()).toHaveLength(5);
  });

  it('holds exports to the rate limit, and lifts it without a restart', async () => {
    const remote = createTestConnector();
    const { destinationId, handle } = await runningDestination(db, tw, { type: remote.type });
    const res = await call('PATCH', `/destinations/${destinationId}`, {
      settings: { maxProfilesPerSecond: 4 },
    });
    expect(res.body.settings).toEqual({ maxProfilesPerSecond: 4 });
    expect(await handle.query(statusQuery)).toMatchObject({ maxProfilesPerSecond: 4 });

    const ids = await queued(destinationId, 12);
    await eventually(async () => (await outboxOf(db, destinationId, ids)).length === 0);
    expect(remote.batches.map((b) => b.length)).toEqual([4, 4, 4]);
    // Scheduled by the workflow a second's worth of profiles apart, or more.
    const history = await handle.fetchHistory();
    const scheduledAt = (history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'exportBatch')
      .map((e) => Number(e.eventTime!.seconds) * 1000 + e.eventTime!.nanos! / 1e6);
    expect(scheduledAt).toHaveLength(3);
    expect(scheduledAt[2]! - scheduledAt[0]!).toBeGreaterThanOrEqual(2000);

    const lifted = await call('PATCH', `/destinations/${destinationId}`, {
      settings: { maxProfilesPerSecond: null },
    });
    expect(lifted.body.settings).toEqual({ maxProfilesPerSecond: null });
    expect(await handle.query(statusQuery)).toMatchObject({ maxProfilesPerSecond: null });
    const more = await queued(destinationId, 12);
    await eventually(async () => (await outboxOf(db, destinationId, more)).length === 0);
    expect(remote.batches.slice(3).map((b) => b.length)).toEqual([12]);
  });

  it('refuses a rate limit that is not a positive number, naming the field', async () => {
    const remote = createTestConnector();
    const { destinationId } = await runningDestination(db, tw, { type: remote.type });
    const res = await call('PATCH', `/destinations/${destinationId}`, {
      settings: { maxProfilesPerSecond: 0 },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/settings\.maxProfilesPerSecond/);
  });

  it('retries transient failures automatically, but not permanent ones', async () => {
    const remote = createTestConnector();
    const { destinationId } = await runningDestination(db, tw, { type: remote.type });
    const [transient, permanent] = [uid('prf'), uid('prf')];
    for (const id of [transient, permanent])
      await upsertProfile(db, id, values({ email: `${id}@x.io`, name: 'A' }));
    // As send.ts leaves them: one ran out of transient attempts, one was refused.
    const failed = {
      destinationId,
      configVersion: 1,
      state: 'failed' as const,
      completedAt: new Date(),
    };
    const newProperties = { external_id: 'x' };
    await db.insert(exports).values([
      { ...failed, profileId: transient, newProperties, attempts: 10, retryable: true },
      { ...failed, profileId: permanent, newProperties, errorMessage: '400 bad email' },
    ]);
    await startDestinationWorkflow(tw, destinationId, {
      autoRetry: { maxTimes: 1, afterMs: 0 },
      catchUpIntervalMs: 300,
    });

    const rows = await eventually(async () => {
      const r = await exportsOf(db, destinationId, transient);
      return r.at(-1)?.state === 'complete' ? r : null;
    });
    expect(rows.at(-1)).toMatchObject({ autoRetries: 1, runId: null });
    await sleep(1000);
    expect(await exportsOf(db, destinationId, permanent)).toHaveLength(1);
    expect(remote.sentFor(permanent)).toHaveLength(0);
  });
});
