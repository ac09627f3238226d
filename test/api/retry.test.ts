import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryExports } from '../../activities/retry';
import { exports } from '../../db/schema';
import { profilesChangedSignal } from '../../workflows/definitions';
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
import { createTestConnector, type TestConnector } from '../helpers/test-connector';
import { eventually, startTestWorker, type TestWorker } from '../helpers/worker';
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

/** Writes the profile, queues it as the API does, and waits until `count` exports are final. */
async function change(destinationId: string, id: string, name: string, count: number) {
  await upsertProfile(db, id, values({ email: `${id}@x.io`, name }));
  await queue(db, destinationId, [id]);
  await tw.client.workflow
    .getHandle(`destination:${destinationId}`)
    .signal(profilesChangedSignal, { profileIds: [id] });
  return settled(destinationId, id, count);
}

async function settled(destinationId: string, profileId: string, count: number) {
  return eventually(async () => {
    const rows = await exportsOf(db, destinationId, profileId);
    const done = rows.filter((e) => e.state === 'complete' || e.state === 'failed');
    return done.length >= count ? rows : null;
  });
}

/** A destination and one profile whose first export failed permanently. */
async function withFailure(): Promise<{
  remote: TestConnector;
  destinationId: string;
  id: string;
  failedId: number;
}> {
  const remote = createTestConnector();
  const { destinationId } = await runningDestination(db, tw, { type: remote.type });
  const id = uid('prf');
  remote.failures.set(id, { status: 'failed', message: 'invalid email' });
  const [failed] = await change(destinationId, id, 'A', 1);
  expect(failed).toMatchObject({ state: 'failed', retryable: false });
  remote.failures.delete(id);
  return { remote, destinationId, id, failedId: failed!.id };
}

const retry = (destinationId: string, body: object) =>
  call('POST', `/destinations/${destinationId}/retry`, body);

describe('retry of failed exports', () => {
  it('queues the profile again from its current data in a retry run (fresh)', async () => {
    const { remote, destinationId, id, failedId } = await withFailure();
    await upsertProfile(db, id, values({ email: `${id}@x.io`, name: 'B' }));

    const res = await retry(destinationId, { profileIds: [id] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ matched: 1, queued: 1, skipped: [] });
    const runId: string = res.body.runId;
    tw.started.add(`destination:${destinationId}:run:${runId}`);
    const rows = await settled(destinationId, id, 2);
    expect(rows.at(-1)).toMatchObject({ state: 'complete', runId, newProperties: { name: 'B' } });
    expect(rows.at(-1)!.id).toBeGreaterThan(failedId);
    expect(remote.remote.get(`${id}@x.io`)?.properties.name).toBe('B');

    const run = await eventually(async () => {
      const r = await call('GET', `/runs/${runId}`);
      return r.body.state === 'complete' ? r.body : null;
    });
    expect(run).toMatchObject({ kind: 'retry', total: 1, created: 1, failed: 0 });
  });

  it('resends the payload the failed export carried (exact)', async () => {
    const { remote, destinationId, id, failedId } = await withFailure();
    // The data moved on; exact still sends what the failed export said.
    await upsertProfile(db, id, values({ email: `${id}@x.io`, name: 'B' }));

    const res = await retry(destinationId, { exportIds: [failedId], mode: 'exact' });
    expect(res.body).toMatchObject({ matched: 1, queued: 1, skipped: [] });
    tw.started.add(`destination:${destinationId}:run:${res.body.runId}`);
    const rows = await settled(destinationId, id, 2);
    expect(rows.at(-1)).toMatchObject({
      state: 'complete',
      force: true,
      runId: res.body.runId,
      newProperties: { external_id: `${id}@x.io`, name: 'A' },
    });
    expect(remote.remote.get(`${id}@x.io`)?.properties.name).toBe('A');
  });

  it('skips an exact retry when a newer export of the profile completed', async () => {
    const { remote, destinationId, id, failedId } = await withFailure();
    await change(destinationId, id, 'B', 2);

    const res = await retry(destinationId, { exportIds: [failedId], mode: 'exact' });
    expect(res.body).toEqual({
      matched: 1,
      queued: 0,
      skipped: [{ exportId: failedId, reason: 'a newer export of this profile completed' }],
      runId: null,
    });
    expect(await outboxOf(db, destinationId, [id])).toHaveLength(0);
    expect(remote.remote.get(`${id}@x.io`)?.properties.name).toBe('B');
  });

  it('is harmless to retry twice, before and after the retry ran', async () => {
    const { remote, destinationId, id, failedId } = await withFailure();
    await call('POST', `/destinations/${destinationId}/pause`);
    const first = await retry(destinationId, { profileIds: [id], mode: 'exact' });
    const second = await retry(destinationId, { profileIds: [id], mode: 'exact' });
    expect(first.body.queued).toBe(1);
    expect(second.body).toMatchObject({
      queued: 0,
      skipped: [{ exportId: failedId, reason: 'the profile is already queued for export' }],
    });
    tw.started.add(`destination:${destinationId}:run:${first.body.runId}`);

    await call('POST', `/destinations/${destinationId}/resume`);
    await settled(destinationId, id, 2);
    const third = await retry(destinationId, { profileIds: [id] });
    expect(third.body).toMatchObject({ matched: 1, queued: 0 });
    expect(third.body.skipped[0].reason).toBe('a newer export of this profile completed');
    await new Promise((r) => setTimeout(r, 500));
    expect(remote.sentFor(id)).toHaveLength(2); // the failed send and one retry
    expect(await exportsOf(db, destinationId, id)).toHaveLength(2);
  });

  it('queues a profile once when two retries arrive at the same moment', async () => {
    const { destinationId, id } = await withFailure();
    await call('POST', `/destinations/${destinationId}/pause`);
    // The workflow may run two updates' activities side by side: call the activity twice.
    const answers = await Promise.all([
      retryExports(db, { destinationId }),
      retryExports(db, { destinationId }),
    ]);
    expect(answers.map((a) => a.queued).sort()).toEqual([0, 1]);
    expect(await outboxOf(db, destinationId, [id])).toHaveLength(1);
    const runs = answers.map((a) => a.runId).filter(Boolean);
    expect(runs).toHaveLength(1);
    tw.started.add(`destination:${destinationId}:run:${runs[0]}`);
    await call('POST', `/destinations/${destinationId}/resume`);
    await settled(destinationId, id, 2);
  });

  it('matches nothing for an empty list of ids, and names an id it does not know', async () => {
    const { destinationId, failedId } = await withFailure();
    for (const body of [{ exportIds: [] }, { profileIds: [] }]) {
      const res = await retry(destinationId, { ...body, preview: true });
      expect(res.body).toEqual({ matched: 0, queued: 0, skipped: [], runId: null });
    }
    const unknown = await retry(destinationId, {
      exportIds: [failedId, 999_999_999],
      preview: true,
    });
    expect(unknown.body).toEqual({
      matched: 1,
      queued: 1,
      skipped: [{ exportId: 999_999_999, reason: 'no export with this id at this destination' }],
      runId: null,
    });
  });

  it('only counts in a preview, and refuses a window that ends before it starts', async () => {
    const { destinationId, id } = await withFailure();
    const preview = await retry(destinationId, { preview: true, from: '2020-01-01T00:00:00Z' });
    expect(preview.body).toEqual({ matched: 1, queued: 1, skipped: [], runId: null });
    expect(await outboxOf(db, destinationId, [id])).toHaveLength(0);
    const open = await db
      .select()
      .from(exports)
      .where(and(eq(exports.destinationId, destinationId), eq(exports.state, 'processing')));
    expect(open).toHaveLength(0);

    const bad = await retry(destinationId, {
      from: '2030-01-02T00:00:00Z',
      to: '2030-01-01T00:00:00Z',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('from must be before to');
  });
});
