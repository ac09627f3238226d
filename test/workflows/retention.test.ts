import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { gte } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureExportSweepSchedule } from '../../api/retention-schedule';
import { destinationProfiles, exports } from '../../db/schema';
import type { ExportState } from '../../lib/domain';
import { createOutflowWorker } from '../../worker';
import { sweepExportsWorkflow } from '../../workflows/retention';
import { freshDb } from '../config/fresh-db';
import { temporalAddress, temporalNamespace, workflowBundle } from '../helpers/env';
import { createDestination, exportsOf, uid } from '../helpers/fixtures';
import { createTestConnector } from '../helpers/test-connector';
import { eventually } from '../helpers/worker';

/**
 * The sweep reads the exports table in id order and stops at the first recent row, so it runs
 * on a database of its own: other suites' recent rows would end it early.
 */

const day = 24 * 60 * 60 * 1000;
const taskQueue = `retention-${randomUUID().slice(0, 8)}`;
let db: Awaited<ReturnType<typeof freshDb>>['db'];
let client: Client;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ db } = await freshDb());
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const native = await NativeConnection.connect({ address: temporalAddress() });
  const worker = await createOutflowWorker({
    db,
    connection: native,
    config: { TEMPORAL_NAMESPACE: temporalNamespace(), TEMPORAL_TASK_QUEUE: taskQueue },
    workflowBundle: workflowBundle(),
    exportRetentionDays: 90,
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: temporalAddress() });
  client = new Client({ connection, namespace: temporalNamespace() });
  stop = async () => {
    worker.shutdown();
    await running;
    await connection.close();
    await native.close();
  };
});
afterAll(() => stop?.());
// A sweep ends at the first recent row in id order: drop this test's recent rows so the next
// test's old rows are reached, as they would be a day later in production.
afterEach(async () => {
  await db.delete(exports).where(gte(exports.createdAt, new Date(Date.now() - 90 * day)));
});

/** One destination's exports: what an old sweep must delete and what it must keep. */
async function history() {
  const id = await createDestination(db, { type: createTestConnector().type });
  const row = async (state: ExportState, ageDays: number, profileId = uid('prf')) => {
    const createdAt = new Date(Date.now() - ageDays * day);
    const [e] = await db
      .insert(exports)
      .values({ destinationId: id, profileId, configVersion: 1, state, createdAt })
      .returning();
    return e!.id;
  };
  const kept: number[] = [];
  const swept: number[] = [];
  // A profile unchanged for months: its older export goes, its baseline (old too) stays.
  const steady = uid('prf');
  swept.push(await row('complete', 250, steady));
  const baseline = await row('complete', 200, steady);
  await db
    .insert(destinationProfiles)
    .values({ destinationId: id, profileId: steady, baselineExportId: baseline, present: true });
  kept.push(baseline);
  for (const state of ['complete', 'failed', 'canceled', 'failed', 'canceled'] as const) {
    swept.push(await row(state, 120));
  }
  kept.push(await row('pending', 120), await row('processing', 100));
  kept.push(await row('failed', 10), await row('complete', 1));
  return { id, kept, swept };
}

const idsOf = async (destinationId: string) =>
  (await exportsOf(db, destinationId)).map((e) => e.id);

describe('export retention', () => {
  it('deletes old exports in chunks but keeps baselines, open exports and recent ones', async () => {
    const { id, kept } = await history();

    const result = await client.workflow.execute(sweepExportsWorkflow, {
      taskQueue,
      workflowId: uid('sweep'),
      args: [{ chunkSize: 3 }],
    });

    expect(result.deleted).toBe(6);
    expect(await idsOf(id)).toEqual(kept.sort((a, b) => a - b));
  });

  it('finishes the sweep across continue-as-new', async () => {
    const { id, kept } = await history();

    const result = await client.workflow.execute(sweepExportsWorkflow, {
      taskQueue,
      workflowId: uid('sweep'),
      args: [{ chunkSize: 4, maxChunksPerRun: 1 }],
    });

    expect(result.deleted).toBe(6);
    expect(await idsOf(id)).toEqual(kept.sort((a, b) => a - b));
  });

  it('creates the daily schedule once and its run sweeps', async () => {
    const { id, kept } = await history();
    const scheduleId = uid('sweep-exports');

    expect(await ensureExportSweepSchedule(client, taskQueue, { scheduleId })).toBe('created');
    expect(await ensureExportSweepSchedule(client, taskQueue, { scheduleId })).toBe('exists');
    const schedule = client.schedule.getHandle(scheduleId);
    try {
      const described = await schedule.describe();
      expect(described.spec.intervals).toMatchObject([{ every: day }]);
      expect(described.action).toMatchObject({ workflowType: 'sweepExportsWorkflow' });

      await schedule.trigger();
      await eventually(async () => (await idsOf(id)).length === kept.length);
      expect(await idsOf(id)).toEqual(kept.sort((a, b) => a - b));
    } finally {
      await schedule.delete();
    }
  });
});
