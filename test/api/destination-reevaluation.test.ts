import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { destinationChanges, destinationProfiles, exports } from '../../db/schema';
import { registerFakeConnector } from './fake-connector';
import { testApi, uid } from './harness';

/**
 * A change of only the group mapping, or only the options, re-evaluates the destination: its
 * collection's members and every profile the remote still holds are queued in the outbox, in
 * a re-sync run. No worker runs here, so the queue stays as the API left it.
 */
describe('re-evaluation after a group mapping or options change', async () => {
  const { call, db } = await testApi();
  const type = registerFakeConnector();
  const email = uid('email');
  await call('POST', '/properties', { key: email, type: 'email', unique: true });
  const app = await call('POST', '/apps', {
    name: 'Tool',
    type,
    options: { url: 'https://tool.example.com', token: 'good-token' },
  });

  /**
   * Profiles: `member` and `fresh` are in the tracked group, `member` was exported; `left` is
   * out of the group but the remote still holds it; `gone` was deleted remotely; `never` was
   * never in scope. Returns them with a destination whose outbox is empty.
   */
  async function setUp() {
    const names = ['member', 'fresh', 'left', 'gone', 'never'] as const;
    const p = Object.fromEntries(names.map((n) => [n, uid(n)])) as Record<
      (typeof names)[number],
      string
    >;
    await call('POST', '/profiles/batch', {
      profiles: names.map((n) => ({ id: p[n], properties: { [email]: `${p[n]}@example.com` } })),
    });
    const tracked = await call('POST', '/groups', { name: 'tracked', kind: 'manual' });
    await call('POST', `/groups/${tracked.body.id}/members`, { profileIds: [p.member, p.fresh] });
    const vip = await call('POST', '/groups', { name: 'vip', kind: 'manual' });
    const created = await call('POST', '/destinations', {
      name: 'Tool list',
      appId: app.body.id,
      options: { table: 'people' },
      collection: 'group',
      groupId: tracked.body.id,
      mapping: { id: email },
      groupMapping: { [tracked.body.id]: 'Tracked' },
    });
    expect(created.status).toBe(201);
    const destination = created.body;
    // What earlier exports left behind: baselines, present or deleted remotely.
    for (const [profileId, present] of [
      [p.member, true],
      [p.left, true],
      [p.gone, false],
    ] as const) {
      const [row] = await db
        .insert(exports)
        .values({
          destinationId: destination.id,
          profileId,
          configVersion: destination.configVersion,
          state: 'complete',
          toDelete: !present,
          newProperties: { id: `${profileId}@example.com` },
          completedAt: new Date(),
        })
        .returning();
      await db.insert(destinationProfiles).values({
        destinationId: destination.id,
        profileId,
        baselineExportId: row!.id,
        present,
      });
    }
    await db.delete(destinationChanges).where(eq(destinationChanges.destinationId, destination.id));
    return { p, destination, vipId: vip.body.id as string, trackedId: tracked.body.id as string };
  }

  /** The profiles of `ids` queued for the destination, once per outbox row. */
  async function queued(destinationId: string, ids: Record<string, string>) {
    const rows = await db
      .select({ profileId: destinationChanges.profileId })
      .from(destinationChanges)
      .where(
        and(
          eq(destinationChanges.destinationId, destinationId),
          inArray(destinationChanges.profileId, Object.values(ids)),
        ),
      );
    const names = new Map(Object.entries(ids).map(([n, id]) => [id, n]));
    return rows.map((r) => names.get(r.profileId)!).sort();
  }

  async function latestRun(destinationId: string) {
    const runs = await call('GET', `/destinations/${destinationId}/runs?limit=1`);
    return runs.body.runs[0];
  }

  it('queues the members and every profile the remote holds when only the group mapping changes', async () => {
    const { p, destination, vipId, trackedId } = await setUp();
    const res = await call('PATCH', `/destinations/${destination.id}`, {
      groupMapping: { [trackedId]: 'Tracked', [vipId]: 'VIP' },
    });
    expect(res.status).toBe(200);
    expect(res.body.configVersion).toBe(destination.configVersion + 1);
    expect(await queued(destination.id, p)).toEqual(['fresh', 'left', 'member']);
    expect(await latestRun(destination.id)).toMatchObject({
      kind: 'resync',
      state: 'running',
      total: 3,
      summary: 'Re-sync of Tool list after a group mapping change',
      configVersion: destination.configVersion + 1,
    });
    const status = await call('GET', `/destinations/${destination.id}/status`);
    expect(status.body.changesWaiting).toBe(3);
  });

  it('queues the members and every profile the remote holds when only the options change', async () => {
    const { p, destination } = await setUp();
    const res = await call('PATCH', `/destinations/${destination.id}`, {
      options: { table: 'customers' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      options: { table: 'customers' },
      configVersion: destination.configVersion + 1,
    });
    expect(await queued(destination.id, p)).toEqual(['fresh', 'left', 'member']);
    const run = await latestRun(destination.id);
    expect(run).toMatchObject({ kind: 'resync', total: 3 });
    expect(run.summary).toBe('Re-sync of Tool list after an options change');
  });

  it('queues nothing when the group mapping or options are sent back unchanged', async () => {
    const { p, destination } = await setUp();
    const runBefore = await latestRun(destination.id);
    for (const body of [
      { groupMapping: destination.groupMapping },
      { options: destination.options },
      { groupMapping: destination.groupMapping, options: destination.options, name: 'Renamed' },
    ]) {
      const res = await call('PATCH', `/destinations/${destination.id}`, body);
      expect(res.status).toBe(200);
      expect(res.body.configVersion).toBe(destination.configVersion);
    }
    expect(await queued(destination.id, p)).toEqual([]);
    expect((await latestRun(destination.id)).id).toBe(runBefore.id);
  });

  it('refuses a group mapping naming an unknown group and queues nothing', async () => {
    const { p, destination } = await setUp();
    const missing = uid('grp');
    const res = await call('PATCH', `/destinations/${destination.id}`, {
      groupMapping: { [missing]: 'Ghost' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual([
      { path: `groupMapping.${missing}`, message: `group "${missing}" does not exist` },
    ]);
    expect(await queued(destination.id, p)).toEqual([]);
    const after = await call('GET', `/destinations/${destination.id}`);
    expect(after.body.configVersion).toBe(destination.configVersion);
  });
});
