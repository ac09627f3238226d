import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActivities, type ExportBatchInput, type ExportBatchResult } from '../../activities';
import { testDb } from '../helpers/db';
import {
  createDestination,
  keys,
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

const { db } = testDb();
// A 1 ms backoff base keeps retry times close to now, so re-runs need no waiting.
const activities = createActivities({ db, retryBaseMs: 1 });
const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('WARN') });
const exportBatch = (input: ExportBatchInput): Promise<ExportBatchResult> =>
  env.run(activities.exportBatch, input);

beforeAll(() => ensureProperties(db));

async function setUp() {
  const remote = createTestConnector();
  const destinationId = await createDestination(db, { type: remote.type });
  const id = uid('prf');
  await upsertProfile(db, id, values({ email: `${id}@x.io`, name: 'First' }));
  await queue(db, destinationId, [id]);
  return { remote, destinationId, id };
}

describe('exportBatch', () => {
  it('exports a queued profile, moves its baseline and clears its outbox rows', async () => {
    const { remote, destinationId, id } = await setUp();
    const result = await exportBatch({ destinationId, profileIds: [id] });

    expect(result).toMatchObject({ created: 1, updated: 0, failed: 0, retry: [] });
    expect(remote.remote.get(`${id}@x.io`)?.properties).toEqual({
      external_id: `${id}@x.io`,
      name: 'First',
    });
    expect(await outboxOf(db, destinationId)).toHaveLength(0);
  });

  it('sends nothing and adds no rows when run again for the same change', async () => {
    const { remote, destinationId, id } = await setUp();
    await exportBatch({ destinationId, profileIds: [id] });
    const again = await exportBatch({ destinationId, profileIds: [id] });

    expect(again).toMatchObject({ created: 0, skipped: 1 });
    expect(remote.sentFor(id)).toHaveLength(1);
    expect(await exportsOf(db, destinationId, id)).toHaveLength(1);
  });

  it('records an unchanged profile as a complete no-op without sending it', async () => {
    const { remote, destinationId, id } = await setUp();
    await exportBatch({ destinationId, profileIds: [id] });
    await queue(db, destinationId, [id]);
    const result = await exportBatch({ destinationId, profileIds: [id] });

    expect(result.unchanged).toBe(1);
    expect(remote.sentFor(id)).toHaveLength(1);
    expect((await exportsOf(db, destinationId, id)).at(-1)).toMatchObject({
      state: 'complete',
      hasChanges: false,
    });
  });

  it('cancels an older pending export when the profile changed again', async () => {
    const { remote, destinationId, id } = await setUp();
    remote.failures.set(id, { status: 'retry', times: 1 });
    const first = await exportBatch({ destinationId, profileIds: [id] });
    expect(first.retry.map((r) => r.profileId)).toEqual([id]);

    await upsertProfile(db, id, values({ email: `${id}@x.io`, name: 'Second' }));
    await queue(db, destinationId, [id]);
    const second = await exportBatch({ destinationId, profileIds: [id] });

    expect(second).toMatchObject({ canceled: 1, created: 1 });
    const rows = await exportsOf(db, destinationId, id);
    expect(rows.map((e) => e.state)).toEqual(['canceled', 'complete']);
    expect(rows[0]!.errorMessage).toBe('Replaced by a more recent export');
    expect(remote.remote.get(`${id}@x.io`)?.properties.name).toBe('Second');
  });

  it('keeps a retrying profile queued and reuses its export on the next attempt', async () => {
    const { remote, destinationId, id } = await setUp();
    remote.failures.set(id, { status: 'retry', times: 1, retryAfterMs: 60_000 });
    const first = await exportBatch({ destinationId, profileIds: [id] });

    expect(first.retry[0]!.notBefore).toBeGreaterThanOrEqual(Date.now() + 59_000);
    expect(await outboxOf(db, destinationId)).toHaveLength(1);
    expect((await activities.readOutbox({ destinationId, limit: 10 })).profileIds).toEqual([]);

    await exportBatch({ destinationId, profileIds: [id] });
    const rows = await exportsOf(db, destinationId, id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: 'complete', attempts: 1 });
    expect(await outboxOf(db, destinationId)).toHaveLength(0);
  });

  it('counts a refused request as an attempt, and sets an error level only once failed', async () => {
    const { remote, destinationId, id } = await setUp();
    remote.failures.set(id, { status: 'retry', times: 1, retryAfterMs: 60_000 });
    await exportBatch({ destinationId, profileIds: [id] });
    const [waiting] = await exportsOf(db, destinationId, id);
    expect(waiting).toMatchObject({ state: 'pending', attempts: 1, errorLevel: null });
    expect(waiting!.errorMessage).toBe('remote busy');

    const refused = uid('prf');
    await upsertProfile(db, refused, values({ email: `${refused}@x.io` }));
    await queue(db, destinationId, [refused]);
    remote.failures.set(refused, { status: 'failed', message: 'invalid email address' });
    await exportBatch({ destinationId, profileIds: [refused] });
    const [row] = await exportsOf(db, destinationId, refused);
    expect(row).toMatchObject({ state: 'failed', attempts: 1, errorLevel: 'error' });
  });

  it('gives up as failed after ten counted attempts', async () => {
    const { remote, destinationId, id } = await setUp();
    remote.failures.set(id, { status: 'retry', times: 100 });
    for (let i = 0; i < 10; i++) await exportBatch({ destinationId, profileIds: [id] });

    const [row] = await exportsOf(db, destinationId, id);
    expect(row).toMatchObject({ state: 'failed', attempts: 10, errorMessage: 'remote busy' });
    expect(await outboxOf(db, destinationId)).toHaveLength(0);
  });

  it('treats a thrown connector error as a retry of every profile in the chunk', async () => {
    const { remote, destinationId, id } = await setUp();
    const other = uid('prf');
    await upsertProfile(db, other, values({ email: `${other}@x.io` }));
    await queue(db, destinationId, [other]);
    remote.failures.set(id, { status: 'throw', times: 1 });
    const result = await exportBatch({ destinationId, profileIds: [id, other] });

    expect(result.retry.map((r) => r.profileId).sort()).toEqual([id, other].sort());
    const rows = await exportsOf(db, destinationId);
    expect(rows.map((e) => [e.state, e.errorMessage])).toEqual([
      ['pending', 'connection reset'],
      ['pending', 'connection reset'],
    ]);
  });

  it('leaves changes committed during the batch queued', async () => {
    const { remote, destinationId, id } = await setUp();
    const original = remote.connector.exportBatch;
    remote.connector.exportBatch = async (ctx, changes) => {
      await queue(db, destinationId, [id]);
      return original(ctx, changes);
    };
    await exportBatch({ destinationId, profileIds: [id] });

    expect(await outboxOf(db, destinationId)).toHaveLength(1);
  });

  it('fails a profile whose value cannot be converted, without blocking the others', async () => {
    const remote = createTestConnector();
    // A float property on an email field: possible when a property's type changed later.
    const mapping = { external_id: keys.email, email: keys.ltv };
    const destinationId = await createDestination(db, { type: remote.type, mapping });
    const [bad, good] = [uid('prf'), uid('prf')];
    await upsertProfile(db, bad, values({ email: `${bad}@x.io`, ltv: 5 }));
    await upsertProfile(db, good, values({ email: `${good}@x.io` }));
    await queue(db, destinationId, [bad, good]);
    const result = await exportBatch({ destinationId, profileIds: [bad, good] });

    expect(result).toMatchObject({ failed: 1, created: 1 });
    const [row] = await exportsOf(db, destinationId, bad);
    expect(row).toMatchObject({ state: 'failed', errorLevel: 'error' });
    expect(row!.errorMessage).toContain('float');
    expect(await outboxOf(db, destinationId)).toHaveLength(0);
  });

  it('does nothing for a deleted destination', async () => {
    const { remote, destinationId, id } = await setUp();
    await updateDestination(db, destinationId, { deletedAt: new Date() });
    const result = await exportBatch({ destinationId, profileIds: [id] });

    expect(result.skipped).toBe(1);
    expect(remote.batches).toHaveLength(0);
    expect(await activities.readOutbox({ destinationId, limit: 10 })).toMatchObject({
      deleted: true,
    });
  });
});
