import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exports } from '../../db/schema';
import { syncRunWorkflowId } from '../../workflows/definitions';
import { testDb } from '../helpers/db';
import {
  createGroup,
  ensureProperties,
  exportsOf,
  keys,
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
import { workerApi } from '../helpers/worker-api';

const { db } = testDb();
let tw: TestWorker;
let call: ReturnType<typeof workerApi>;

beforeAll(async () => {
  await ensureProperties(db);
  tw = await startTestWorker(db);
  call = workerApi(db, tw);
});
afterAll(() => tw?.stop());

/** A group of `n` profiles and a destination sending it, created through the API. */
async function destinationOf(n: number, delayMs?: number) {
  const remote = createTestConnector({ delayMs });
  const groupId = await createGroup(db);
  const ids = Array.from({ length: n }, () => uid('prf'));
  for (const id of ids)
    await upsertProfile(db, id, values({ email: `${id}@x.io`, name: 'A' }), [groupId]);
  const app = await call('POST', '/apps', { name: 'Tool', type: remote.type, options: {} });
  const created = await call('POST', '/destinations', {
    name: 'CRM',
    appId: app.body.id,
    collection: 'group',
    groupId,
    mapping: { external_id: keys.email, name: keys.name },
  });
  expect(created.status).toBe(201);
  const destinationId: string = created.body.id;
  // Restart its workflow with fast windows and polls (the API started it with defaults).
  await startDestinationWorkflow(tw, destinationId, { runPollMs: 200 });
  return { remote, ids, destinationId, groupId };
}

async function runsOf(destinationId: string, kind?: string) {
  const res = await call(
    'GET',
    `/destinations/${destinationId}/runs${kind ? `?kind=${kind}` : ''}`,
  );
  expect(res.status).toBe(200);
  for (const run of res.body.runs) tw.started.add(run.workflowId);
  return res.body.runs as { id: string; state: string; kind: string; summary: string }[];
}

async function finished(runId: string) {
  return eventually(async () => {
    const res = await call('GET', `/runs/${runId}`);
    return res.body.state === 'running' ? null : res.body;
  });
}

describe('sync runs', () => {
  it('records the first sync as a run whose counts match its exports', async () => {
    const { remote, ids, destinationId } = await destinationOf(3);
    remote.failures.set(ids[2]!, { status: 'failed', message: 'invalid email' });
    const [initial] = await runsOf(destinationId, 'initial');
    expect(initial).toMatchObject({ kind: 'initial', summary: 'First sync of CRM' });

    const run = await finished(initial!.id);
    const rows = await db.select().from(exports).where(eq(exports.runId, initial!.id));
    expect(rows.filter((e) => e.state === 'complete')).toHaveLength(2);
    expect(rows.filter((e) => e.state === 'failed')).toHaveLength(1);
    expect(run).toMatchObject({
      state: 'complete',
      total: 3,
      evaluated: 3,
      created: 2,
      updated: 0,
      failed: 1,
      percentComplete: 100,
      configVersion: 1,
    });
    expect(run.errorSummary).toContain('invalid email');
    expect(remote.remote.size).toBe(2);
  });

  it('re-syncs after a mapping change, counting only real differences', async () => {
    const { remote, ids, destinationId, groupId } = await destinationOf(2);
    const [initial] = await runsOf(destinationId, 'initial');
    await finished(initial!.id);
    const withLtv = values({ email: `${ids[0]}@x.io`, name: 'A', ltv: 9.5 });
    await upsertProfile(db, ids[0]!, withLtv, [groupId]);

    const patched = await call('PATCH', `/destinations/${destinationId}`, {
      mapping: { external_id: keys.email, name: keys.name, ltv: keys.ltv },
    });
    expect(patched.status).toBe(200);
    const [resync] = await runsOf(destinationId, 'resync');
    expect(resync!.summary).toBe('Re-sync of CRM after a mapping change');
    const run = await finished(resync!.id);
    expect(run).toMatchObject({
      state: 'complete',
      total: 2,
      updated: 1,
      unchanged: 1,
      configVersion: 2,
    });
    expect(remote.sentFor(ids[0]!)).toHaveLength(2);
    expect(remote.sentFor(ids[1]!)).toHaveLength(1);

    // Operators find runs by kind in Temporal's visibility, as `temporal workflow list --query`.
    const query = `OutflowRunKind='resync' AND OutflowDestinationId='${destinationId}'`;
    const found = await eventually(async () => {
      const listed: string[] = [];
      for await (const wf of tw.client.workflow.list({ query })) listed.push(wf.workflowId);
      return listed.length > 0 ? listed : null;
    });
    expect(found).toEqual([syncRunWorkflowId(destinationId, resync!.id)]);
  });

  it('lets a newer re-sync supersede a running one without dropping its profiles', async () => {
    const { ids, destinationId } = await destinationOf(2);
    await finished((await runsOf(destinationId, 'initial'))[0]!.id);
    await call('POST', `/destinations/${destinationId}/pause`);

    await call('PATCH', `/destinations/${destinationId}`, { mapping: { external_id: keys.email } });
    const [first] = await runsOf(destinationId, 'resync');
    await call('PATCH', `/destinations/${destinationId}`, {
      mapping: { external_id: keys.email, name: keys.name },
      syncMode: 'additive',
    });
    const [second, older] = await runsOf(destinationId, 'resync');
    expect(older!.id).toBe(first!.id);
    expect(second!.summary).toBe('Re-sync of CRM after a mapping and sync mode change');
    const canceled = (await call('GET', `/runs/${first!.id}`)).body;
    expect(canceled).toMatchObject({
      state: 'canceled',
      errorSummary: `superseded by run ${second!.id}`,
    });

    await call('POST', `/destinations/${destinationId}/resume`);
    const run = await finished(second!.id);
    expect(run).toMatchObject({ state: 'complete', total: 2, evaluated: 2 });
    expect(await outboxOf(db, destinationId, ids)).toHaveLength(0);
  });

  it('keeps the counts of what a superseded run did', async () => {
    const { destinationId } = await destinationOf(6, 300);
    await finished((await runsOf(destinationId, 'initial'))[0]!.id);
    await call('PATCH', `/destinations/${destinationId}`, {
      settings: { concurrency: 1, batchSize: 1 },
    });
    await call('PATCH', `/destinations/${destinationId}`, { mapping: { external_id: keys.email } });
    const [first] = await runsOf(destinationId, 'resync');
    const doneBy = async (runId: string) =>
      (await db.select().from(exports).where(eq(exports.runId, runId))).filter(
        (e) => e.state === 'complete',
      ).length;
    await eventually(async () => (await doneBy(first!.id)) >= 1);
    // Pausing answers once the batch in flight ended, so nothing completes after the count.
    await call('POST', `/destinations/${destinationId}/pause`);
    await call('PATCH', `/destinations/${destinationId}`, {
      mapping: { external_id: keys.email, name: keys.name },
    });
    const canceled = (await call('GET', `/runs/${first!.id}`)).body;
    expect(canceled.state).toBe('canceled');
    const done = await doneBy(first!.id);
    expect(canceled.evaluated).toBe(done);
    expect(canceled.updated).toBe(done);
    expect(canceled.percentComplete).toBe(Math.floor((done * 100) / 6));
    expect(done).toBeLessThan(6);
    const [second] = await runsOf(destinationId, 'resync');
    await call('POST', `/destinations/${destinationId}/resume`);
    expect(await finished(second!.id)).toMatchObject({ state: 'complete', total: 6 });
  });

  it('cancels a run, dropping only the rows queued for it', async () => {
    const { ids, destinationId } = await destinationOf(2);
    await finished((await runsOf(destinationId, 'initial'))[0]!.id);
    await call('POST', `/destinations/${destinationId}/pause`);
    await call('PATCH', `/destinations/${destinationId}`, { mapping: { external_id: keys.email } });
    const [resync] = await runsOf(destinationId, 'resync');
    await queue(db, destinationId, [ids[0]!]); // a data change of its own, not the run's

    const res = await call('POST', `/runs/${resync!.id}/cancel`);
    expect(res.body).toMatchObject({ state: 'canceled', errorSummary: 'canceled through the API' });
    expect((await call('POST', `/runs/${resync!.id}/cancel`)).status).toBe(409);
    const left = await outboxOf(db, destinationId);
    expect(left.map((r) => [r.profileId, r.runId])).toEqual([[ids[0], null]]);

    await call('POST', `/destinations/${destinationId}/resume`);
    await eventually(async () => (await outboxOf(db, destinationId)).length === 0);
    const rows = await exportsOf(db, destinationId, ids[0]!);
    expect(rows.at(-1)).toMatchObject({ state: 'complete', runId: null });
  });
});
