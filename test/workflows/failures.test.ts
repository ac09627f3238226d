import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb } from '../helpers/db';
import {
  createDestination,
  values,
  ensureProperties,
  exportsOf,
  outboxOf,
  queue,
  uid,
  upsertProfile,
} from '../helpers/fixtures';
import { createTestConnector } from '../helpers/test-connector';
import {
  eventually,
  startDestinationWorkflow,
  startTestWorker,
  type TestWorker,
} from '../helpers/worker';
import { profilesChangedSignal } from '../../workflows/definitions';

const { db } = testDb();
let tw: TestWorker;

beforeAll(async () => {
  await ensureProperties(db);
  // Backoff base 200 ms: the retries below take about a second, not minutes.
  tw = await startTestWorker(db, { retryBaseMs: 200 });
});
afterAll(() => tw?.stop());

async function change(destinationId: string, id: string, v: Parameters<typeof values>[0]) {
  await upsertProfile(db, id, values(v));
  await queue(db, destinationId, [id]);
  const handle = tw.client.workflow.getHandle(`destination:${destinationId}`);
  await handle.signal(profilesChangedSignal, { profileIds: [id] });
}

async function lastExport(destinationId: string, profileId: string, state: string) {
  return eventually(async () => {
    const last = (await exportsOf(db, destinationId, profileId)).at(-1);
    return last?.state === state ? last : null;
  });
}

describe('export failures', () => {
  it('retries a transient failure after the delay the remote asked for', async () => {
    const remote = createTestConnector();
    const destinationId = await createDestination(db, { type: remote.type });
    await startDestinationWorkflow(tw, destinationId);
    const id = uid('prf');
    remote.failures.set(id, { status: 'retry', times: 2, retryAfterMs: 1200 });
    await change(destinationId, id, { email: `${id}@x.io` });

    const done = await lastExport(destinationId, id, 'complete');
    expect(done.attempts).toBe(2);
    expect(await exportsOf(db, destinationId, id)).toHaveLength(1);
    const sends = remote.batches.filter((b) => b.some((c) => c.profileId === id));
    expect(sends).toHaveLength(3);
    expect(done.completedAt!.getTime() - done.createdAt.getTime()).toBeGreaterThanOrEqual(2400);
  });

  it('does not count rate-limited retries against the retry budget', async () => {
    const remote = createTestConnector();
    const destinationId = await createDestination(db, { type: remote.type });
    await startDestinationWorkflow(tw, destinationId);
    const id = uid('prf');
    remote.failures.set(id, { status: 'retry', times: 3, retryAfterMs: 100, rateLimited: true });
    await change(destinationId, id, { email: `${id}@x.io` });

    const done = await lastExport(destinationId, id, 'complete');
    expect(done.attempts).toBe(0);
    expect(remote.sentFor(id)).toHaveLength(4);
  });

  it('fails only the profile the remote refused, with its message', async () => {
    const remote = createTestConnector();
    const destinationId = await createDestination(db, { type: remote.type });
    await startDestinationWorkflow(tw, destinationId);
    const bad = uid('prf');
    const good = uid('prf');
    remote.failures.set(bad, { status: 'failed', message: 'invalid email address' });
    await change(destinationId, bad, { email: `${bad}@x.io` });
    await change(destinationId, good, { email: `${good}@x.io` });

    const failed = await lastExport(destinationId, bad, 'failed');
    expect(failed).toMatchObject({ errorMessage: 'invalid email address', errorLevel: 'error' });
    await lastExport(destinationId, good, 'complete');
    await eventually(async () => (await outboxOf(db, destinationId)).length === 0);
  });

  it('never takes a failed export as the baseline', async () => {
    const remote = createTestConnector();
    const destinationId = await createDestination(db, { type: remote.type });
    await startDestinationWorkflow(tw, destinationId);
    const id = uid('prf');
    await change(destinationId, id, { email: `${id}@x.io`, name: 'First' });
    await lastExport(destinationId, id, 'complete');

    remote.failures.set(id, { status: 'failed', message: 'refused' });
    await change(destinationId, id, { email: `${id}@x.io`, name: 'Refused' });
    await lastExport(destinationId, id, 'failed');

    remote.failures.delete(id);
    await change(destinationId, id, { email: `${id}@x.io`, name: 'Third' });
    const third = await lastExport(destinationId, id, 'complete');
    expect(third.oldProperties).toEqual({ external_id: `${id}@x.io`, name: 'First' });
  });
});
