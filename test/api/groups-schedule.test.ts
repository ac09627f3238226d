import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { createGroupActivities } from '../../activities/groups';
import { createApp } from '../../api/app';
import { ensureGroupRecomputeSchedule } from '../../api/group-schedule';
import { loadConfig } from '../../lib/config';
import { groupRecomputeWorkflow } from '../../workflows/groups';
import { freshDb } from '../config/fresh-db';
import { temporalAddress, temporalNamespace, workflowBundle } from '../helpers/env';
import { createTestConnector } from '../helpers/test-connector';
import { eventually } from '../helpers/worker';

describe('scheduled recompute of relative-date groups', async () => {
  const { db } = await freshDb();
  // The SDK's info logs would drown the test output; warnings still show.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const taskQueue = `groups-${randomUUID().slice(0, 8)}`;
  const connection = await Connection.connect({ address: temporalAddress() });
  const client = new Client({ connection, namespace: temporalNamespace() });
  const nativeConnection = await NativeConnection.connect({ address: temporalAddress() });
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: temporalNamespace(),
    taskQueue,
    workflowBundle: workflowBundle(),
    activities: { ...createActivities({ db, retryBaseMs: 200 }), ...createGroupActivities({ db }) },
  });
  const running = worker.run();
  afterAll(async () => {
    worker.shutdown();
    await running;
    await nativeConnection.close();
    await connection.close();
  });

  const apiKey = 'schedule-test-api-key-01';
  const config = loadConfig({
    TEMPORAL_NAMESPACE: temporalNamespace(),
    TEMPORAL_TASK_QUEUE: taskQueue,
  });
  const app = createApp({ db, temporal: client, config, apiKey });
  async function call(method: string, path: string, body?: unknown) {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  }
  const members = async (groupId: string) =>
    (
      await db.execute<{ profile_id: string }>(
        sql`select profile_id from group_members where group_id = ${groupId} order by 1`,
      )
    ).map((r) => r.profile_id);

  /** A profile seen just inside "the past 1 days": it leaves the group within seconds. */
  const seenKey = `seen_${randomUUID().slice(0, 8)}`;
  const emailKey = `email_${randomUUID().slice(0, 8)}`;
  async function leavingSoon(seconds: number) {
    const connector = createTestConnector();
    await call('POST', '/properties', { key: seenKey, type: 'date' });
    await call('POST', '/properties', { key: emailKey, type: 'email', unique: true });
    const groupId = `recent_${randomUUID().slice(0, 6)}`;
    const rules = [
      { property: seenKey, op: 'relative_gt', relativeMatchNumber: 1, relativeMatchUnit: 'days' },
    ];
    await call('POST', '/groups', { id: groupId, name: 'Seen today', rules });
    const appRes = await call('POST', '/apps', { name: 'test', type: connector.type });
    const dest = await call('POST', '/destinations', {
      name: 'recent',
      appId: appRes.body.id,
      collection: 'group',
      groupId,
      mapping: { external_id: emailKey },
    });
    expect(dest.status).toBe(201);
    const id = `p_${randomUUID().slice(0, 8)}`;
    const seen = new Date(Date.now() - 24 * 3_600_000 + seconds * 1000).toISOString();
    await call('PUT', `/profiles/${id}`, {
      properties: { [seenKey]: seen, [emailKey]: `${id}@example.com` },
    });
    expect(await members(groupId)).toEqual([id]);
    return { groupId, id, connector };
  }

  it('removes members that fell out of the window and exports their removal', async () => {
    const { groupId, id, connector } = await leavingSoon(2);
    await eventually(async () => connector.remote.has(`${id}@example.com`));
    await new Promise((r) => setTimeout(r, 2500));
    expect(await members(groupId)).toEqual([id]); // stale until recomputed

    const result = await client.workflow.execute(groupRecomputeWorkflow, {
      taskQueue,
      workflowId: `recompute-${randomUUID().slice(0, 8)}`,
    });
    expect(result).toMatchObject({ removed: 1 });
    expect(await members(groupId)).toEqual([]);
    // The tracking destination is told, and its workflow deletes the profile remotely.
    await eventually(async () => !connector.remote.has(`${id}@example.com`));
  });

  it('creates the hourly schedule once, and its runs recompute the groups', async () => {
    const scheduleId = `recompute-test-${randomUUID().slice(0, 8)}`;
    expect(await ensureGroupRecomputeSchedule(client, taskQueue, { scheduleId })).toBe('created');
    expect(await ensureGroupRecomputeSchedule(client, taskQueue, { scheduleId })).toBe('exists');
    const handle = client.schedule.getHandle(scheduleId);
    try {
      const description = await handle.describe();
      expect(description.spec.intervals?.[0]?.every).toBe(3_600_000);
      const { groupId } = await leavingSoon(1);
      await new Promise((r) => setTimeout(r, 1500));
      await handle.trigger();
      await eventually(async () => (await members(groupId)).length === 0);
    } finally {
      await handle.delete();
    }
  });
});
