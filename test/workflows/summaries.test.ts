import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb } from '../helpers/db';
import {
  createDestination,
  deleteProfile,
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
import { outboxChangedSignal, statusQuery } from '../../workflows/definitions';

/**
 * What an operator reads on a destination workflow's History tab: each batch is planned, and
 * its export activity says what it sends before it runs.
 */

const { db } = testDb();
let tw: TestWorker;

beforeAll(async () => {
  await ensureProperties(db);
  tw = await startTestWorker(db);
});
afterAll(() => tw?.stop());

/** The summaries of the activities of one type, in history order. */
async function summaries(workflowId: string, activityType: string): Promise<string[]> {
  const history = await tw.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType)
    .map((e) => defaultPayloadConverter.fromPayload<string>(e.userMetadata!.summary!));
}

describe('activity summaries', () => {
  it('names the creates, updates and deletes of each export batch, and skips batches with nothing to send', async () => {
    const remote = createTestConnector();
    const destinationId = await createDestination(db, { type: remote.type });
    const ids = [uid('prf'), uid('prf'), uid('prf')];
    for (const id of ids) await upsertProfile(db, id, values({ email: `${id}@example.com` }));
    await queue(db, destinationId, ids);
    const handle = await startDestinationWorkflow(tw, destinationId);
    const idle = async () =>
      (await outboxOf(db, destinationId)).length === 0 &&
      (await handle.query(statusQuery)).inFlightProfiles === 0;
    await eventually(async () => remote.remote.size === 3 && (await idle()));

    // Two profiles change and one is deleted: one batch of two updates and a delete.
    await upsertProfile(db, ids[0]!, values({ email: `${ids[0]}@example.com`, name: 'Ada' }));
    await upsertProfile(db, ids[1]!, values({ email: `${ids[1]}@example.com`, name: 'Bo' }));
    await deleteProfile(db, ids[2]!);
    await queue(db, destinationId, ids);
    await handle.signal(outboxChangedSignal);
    await eventually(async () => remote.remote.size === 2 && (await idle()));

    // Queued again without a change: planned, recorded as unchanged, nothing sent.
    await queue(db, destinationId, ids.slice(0, 2));
    await handle.signal(outboxChangedSignal);
    await eventually(idle);

    expect(await summaries(handle.workflowId, 'exportBatch')).toEqual([
      'export 3 profiles: 3 create, 0 update, 0 delete',
      'export 3 profiles: 0 create, 2 update, 1 delete',
    ]);
    expect(await summaries(handle.workflowId, 'planBatch')).toEqual([
      'plan 3 profiles',
      'plan 3 profiles',
      'plan 2 profiles',
    ]);
  });
});
