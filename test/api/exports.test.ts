import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb } from '../helpers/db';
import { ensureProperties, keys, uid } from '../helpers/fixtures';
import { createTestConnector, type TestConnector } from '../helpers/test-connector';
import {
  eventually,
  startDestinationWorkflow,
  startTestWorker,
  type TestWorker,
} from '../helpers/worker';
import { workerApi } from '../helpers/worker-api';

/**
 * What `GET /exports` and `GET /destinations/{id}/status` show after real exports: profile a
 * is created, updated and deleted in `crm` (it leaves the tracked group) and created in
 * `other`; b fails for good; c waits for a retry ten minutes away.
 */

const { db } = testDb();
let tw: TestWorker;
let call: ReturnType<typeof workerApi>;
let remote: TestConnector;
const p = { a: uid('a'), b: uid('b'), c: uid('c') };
const ids = { crm: '', other: '', tracked: '', initialRun: '' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Export = Record<string, any>;

async function list(query: string): Promise<{ exports: Export[]; next: number | null }> {
  const res = await call('GET', `/exports?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** Waits until the destination's exports of `profileId` are in `states`, oldest first. */
async function settled(destinationId: string, profileId: string, states: string[]) {
  return eventually(async () => {
    const { exports } = await list(`destinationId=${destinationId}&profileId=${profileId}`);
    const seen = exports.map((e) => `${e.state}${e.attempts > 0 ? `:${e.attempts}` : ''}`);
    return JSON.stringify(seen.reverse()) === JSON.stringify(states);
  });
}

async function destination(name: string, groupId: string, groupMapping = {}) {
  const app = await call('POST', '/apps', { name: 'Tool', type: remote.type, options: {} });
  const res = await call('POST', '/destinations', {
    name,
    appId: app.body.id,
    collection: 'group',
    groupId,
    mapping: { external_id: keys.email, name: keys.name },
    groupMapping,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  // The API started its workflow with default windows; restart it with fast ones.
  await startDestinationWorkflow(tw, res.body.id, { runPollMs: 200 });
  const runs = await call('GET', `/destinations/${res.body.id}/runs`);
  for (const run of runs.body.runs) tw.started.add(run.workflowId);
  return { id: res.body.id as string, initialRun: runs.body.runs[0].id as string };
}

async function newGroup(...profileIds: string[]) {
  const group = await call('POST', '/groups', { name: 'picked', kind: 'manual' });
  if (profileIds.length > 0) await call('POST', `/groups/${group.body.id}/members`, { profileIds });
  return group.body.id as string;
}

beforeAll(async () => {
  await ensureProperties(db);
  tw = await startTestWorker(db);
  call = workerApi(db, tw);
  remote = createTestConnector();
  remote.failures.set(p.b, { status: 'failed', message: 'invalid email' });
  remote.failures.set(p.c, { status: 'retry', times: 100, retryAfterMs: 600_000 });
  for (const [name, id] of Object.entries(p)) {
    const properties = { [keys.email]: `${id}@x.io`, [keys.name]: `${name}1` };
    expect((await call('PUT', `/profiles/${id}`, { properties })).status).toBe(200);
  }
  ids.tracked = await newGroup(p.a, p.b, p.c);
  const crm = await destination('CRM', ids.tracked, { [ids.tracked]: 'vip' });
  ids.crm = crm.id;
  ids.initialRun = crm.initialRun;
  await settled(ids.crm, p.a, ['complete']);
  await settled(ids.crm, p.b, ['failed:1']);
  await settled(ids.crm, p.c, ['pending:1']);

  await call('PATCH', `/profiles/${p.a}`, { properties: { [keys.name]: 'a2' } });
  await settled(ids.crm, p.a, ['complete', 'complete']);
  ids.other = (await destination('Other', await newGroup(p.a))).id;
  await settled(ids.other, p.a, ['complete']);
  await call('DELETE', `/groups/${ids.tracked}/members`, { profileIds: [p.a] });
  await settled(ids.crm, p.a, ['complete', 'complete', 'complete']);
});
afterAll(() => tw?.stop());

describe('exports API', () => {
  it("shows each export's old and new values and groups, whether it deletes, and when", async () => {
    const { exports } = await list(`destinationId=${ids.crm}&profileId=${p.a}`);
    const [deleted, updated, created] = exports as [Export, Export, Export];
    const common = {
      destinationId: ids.crm,
      profileId: p.a,
      state: 'complete',
      hasChanges: true,
      errorMessage: null,
      errorLevel: null,
      attempts: 0,
    };
    const first = { external_id: `${p.a}@x.io`, name: 'a1' };
    const second = { external_id: `${p.a}@x.io`, name: 'a2' };
    expect(created).toMatchObject({
      ...common,
      runId: ids.initialRun,
      toDelete: false,
      oldProperties: {},
      newProperties: first,
      oldGroups: [],
      newGroups: ['vip'],
    });
    expect(updated).toMatchObject({
      ...common,
      runId: null,
      toDelete: false,
      oldProperties: first,
      newProperties: second,
      oldGroups: ['vip'],
      newGroups: ['vip'],
    });
    expect(deleted).toMatchObject({
      ...common,
      toDelete: true,
      oldProperties: second,
      newProperties: second,
      oldGroups: ['vip'],
      newGroups: [],
    });
    for (const e of exports) {
      for (const at of ['createdAt', 'startedAt', 'completedAt'])
        expect(new Date(e[at]).toISOString(), at).toBe(e[at]);
      expect(Date.parse(e.completedAt)).toBeGreaterThanOrEqual(Date.parse(e.startedAt));
    }
    expect(Date.parse(created.completedAt)).toBeLessThanOrEqual(Date.parse(updated.createdAt));
    expect(Date.parse(updated.completedAt)).toBeLessThanOrEqual(Date.parse(deleted.createdAt));
  });

  it('shows the message, level and attempts of a failed export and of one awaiting its retry', async () => {
    const [failed] = (await list(`profileId=${p.b}`)).exports;
    expect(failed).toMatchObject({
      destinationId: ids.crm,
      state: 'failed',
      errorMessage: 'invalid email',
      errorLevel: 'error',
      attempts: 1,
      toDelete: false,
      newProperties: { external_id: `${p.b}@x.io`, name: 'b1' },
      newGroups: ['vip'],
    });
    expect(Date.parse(failed!.completedAt)).toBeGreaterThan(0);

    const [waiting] = (await list(`profileId=${p.c}`)).exports;
    expect(waiting).toMatchObject({
      destinationId: ids.crm,
      state: 'pending',
      errorMessage: 'remote busy',
      errorLevel: null,
      attempts: 1,
      startedAt: null,
      completedAt: null,
    });
    // The remote asked for ten minutes: the export says when it goes again.
    const retryIn = Date.parse(waiting!.retryAt) - Date.parse(waiting!.createdAt);
    expect(retryIn).toBeGreaterThan(9 * 60_000);
    expect(failed!.retryAt).toBeNull();
  });

  it('filters by destination, profile and state, newest first', async () => {
    const inCrm = (await list(`destinationId=${ids.crm}`)).exports;
    expect(inCrm.map((e) => e.profileId).sort()).toEqual([p.a, p.a, p.a, p.b, p.c].sort());
    expect(new Set(inCrm.map((e) => e.destinationId))).toEqual(new Set([ids.crm]));
    const idsOf = (rows: Export[]) => rows.map((e) => e.id as number);
    expect(idsOf(inCrm)).toEqual([...idsOf(inCrm)].sort((x, y) => y - x));

    // Destinations of other test files that send everyone may hold `a` too: only ours count.
    const ofA = (await list(`profileId=${p.a}`)).exports;
    expect(new Set(ofA.map((e) => e.profileId))).toEqual(new Set([p.a]));
    const ours = new Set([ids.crm, ids.other]);
    expect(
      ofA
        .map((e) => e.destinationId)
        .filter((d) => ours.has(d))
        .sort(),
    ).toEqual([ids.crm, ids.crm, ids.crm, ids.other].sort());
    expect((await list(`destinationId=${ids.other}`)).exports.map((e) => e.profileId)).toEqual([
      p.a,
    ]);

    const byState = async (state: string, extra = '') =>
      (await list(`destinationId=${ids.crm}&state=${state}${extra}`)).exports.map((e) => [
        e.profileId,
        e.state,
      ]);
    expect(await byState('complete')).toEqual([
      [p.a, 'complete'],
      [p.a, 'complete'],
      [p.a, 'complete'],
    ]);
    expect(await byState('failed')).toEqual([[p.b, 'failed']]);
    expect(await byState('pending')).toEqual([[p.c, 'pending']]);
    expect(await byState('canceled')).toEqual([]);
    expect(await byState('complete', `&profileId=${p.b}`)).toEqual([]);
  });

  it('pages with limit and before, and shows one export by id as the list does', async () => {
    const all = (await list(`destinationId=${ids.crm}`)).exports;
    const seen: Export[] = [];
    let before: number | null = null;
    do {
      const page: { exports: Export[]; next: number | null } = await list(
        `destinationId=${ids.crm}&limit=2${before ? `&before=${before}` : ''}`,
      );
      expect(page.exports.length).toBeLessThanOrEqual(2);
      seen.push(...page.exports);
      before = page.next;
    } while (before);
    expect(seen).toEqual(all);

    const one = await call('GET', `/exports/${all[0]!.id}`);
    expect(one.body).toEqual(all[0]);
  });

  it('reports exports by state, changes waiting, the last export time and the workflow id', async () => {
    const status = async (id: string) => (await call('GET', `/destinations/${id}/status`)).body;
    const lastOf = async (id: string) => {
      const times = (await list(`destinationId=${id}`)).exports
        .map((e) => e.completedAt as string | null)
        .filter((t): t is string => t !== null);
      return times.sort().at(-1);
    };
    expect(await status(ids.crm)).toEqual({
      exports: { pending: 1, processing: 0, complete: 3, failed: 1, canceled: 0 },
      changesWaiting: 1, // c, until its retry
      lastExportAt: await lastOf(ids.crm),
      workflowId: `destination:${ids.crm}`,
      exportsAwaitingRetry: 1, // c again
      retryingActivities: [],
    });
    expect(await status(ids.other)).toEqual({
      exports: { pending: 0, processing: 0, complete: 1, failed: 0, canceled: 0 },
      changesWaiting: 0,
      lastExportAt: await lastOf(ids.other),
      workflowId: `destination:${ids.other}`,
      exportsAwaitingRetry: 0,
      retryingActivities: [],
    });
    const empty = await destination('Empty', await newGroup());
    expect(await status(empty.id)).toEqual({
      exports: { pending: 0, processing: 0, complete: 0, failed: 0, canceled: 0 },
      changesWaiting: 0,
      lastExportAt: null,
      workflowId: `destination:${empty.id}`,
      exportsAwaitingRetry: 0,
      retryingActivities: [],
    });
  });
});
