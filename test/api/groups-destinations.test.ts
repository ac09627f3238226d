import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createTestConnector } from '../helpers/test-connector';
import { testApi, uid } from './harness';

describe('groups and the destinations that use them', async () => {
  const { call, db } = await testApi();
  const connector = createTestConnector();
  const ltv = uid('ltv');
  // Unique, as the identifier it is mapped to must be; each profile has its own ltv here.
  await call('POST', '/properties', { key: ltv, type: 'float', unique: true });
  const p = { low: uid('low'), mid: uid('mid'), high: uid('high') };
  await call('POST', '/profiles/batch', {
    profiles: [
      { id: p.low, properties: { [ltv]: 5 } },
      { id: p.mid, properties: { [ltv]: 50 } },
      { id: p.high, properties: { [ltv]: 500 } },
    ],
  });
  const app = await call('POST', '/apps', { name: 'test', type: connector.type });

  async function destination(fields: Record<string, unknown>) {
    const res = await call('POST', '/destinations', {
      name: 'd',
      appId: app.body.id,
      mapping: { external_id: ltv },
      ...fields,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  }
  async function group(rules: unknown[]) {
    const res = await call('POST', '/groups', { id: uid('grp'), name: 'Big spenders', rules });
    return res.body.id as string;
  }
  /** This file's profiles queued for a destination, after `since` (an outbox id). */
  async function queued(destinationId: string, since: number) {
    const rows = await db.execute<{ profile_id: string }>(sql`
      select profile_id from destination_changes where destination_id = ${destinationId}
        and id > ${since} order by profile_id`);
    return rows.map((r) => r.profile_id);
  }
  const lastOutboxId = async () =>
    (
      await db.execute<{ id: number }>(
        sql`select coalesce(max(id), 0)::int as id from destination_changes`,
      )
    )[0]!.id;

  it('queues only the profiles that moved, only for destinations that track or map the group', async () => {
    const grp = await group([{ property: ltv, op: 'gt', match: 100 }]);
    const tracking = await destination({ collection: 'group', groupId: grp });
    const mapping = await destination({ collection: 'all', groupMapping: { [grp]: 'VIP' } });
    const unrelated = await destination({ collection: 'all' });
    const since = await lastOutboxId();

    const res = await call('PATCH', `/groups/${grp}`, {
      rules: [{ property: ltv, op: 'gt', match: 10 }],
    });
    expect(res.status).toBe(200);
    expect(await queued(tracking, since)).toEqual([p.mid]);
    expect(await queued(mapping, since)).toEqual([p.mid]);
    expect(await queued(unrelated, since)).toEqual([]);

    const back = await lastOutboxId();
    await call('PATCH', `/groups/${grp}`, { rules: [{ property: ltv, op: 'gt', match: 100 }] });
    expect(await queued(tracking, back)).toEqual([p.mid]);
  });

  it('re-evaluates everyone when only the match type changes', async () => {
    const grp = await group([
      { property: ltv, op: 'gt', match: 10 },
      { property: ltv, op: 'lt', match: 100 },
    ]);
    const tracking = await destination({ collection: 'group', groupId: grp });
    const since = await lastOutboxId();
    await call('PATCH', `/groups/${grp}`, { matchType: 'any' });
    expect(await queued(tracking, since)).toEqual([p.high, p.low].sort());
  });

  it('renames a group without touching the remote name its destinations use', async () => {
    const grp = await group([{ property: ltv, op: 'gt', match: 100 }]);
    const mapping = await destination({ collection: 'all', groupMapping: { [grp]: 'VIP' } });
    const before = await call('GET', `/destinations/${mapping}`);
    const since = await lastOutboxId();
    const res = await call('PATCH', `/groups/${grp}`, { name: 'Whales' });
    expect(res.body.name).toBe('Whales');
    const after = await call('GET', `/destinations/${mapping}`);
    expect(after.body.groupMapping).toEqual({ [grp]: 'VIP' });
    expect(after.body.configVersion).toBe(before.body.configVersion);
    expect(await queued(mapping, since)).toEqual([]);
  });

  it('refuses to delete a group a destination tracks or maps, naming the destinations', async () => {
    const grp = await group([{ property: ltv, op: 'gt', match: 100 }]);
    const tracking = await destination({ collection: 'group', groupId: grp });
    const mapping = await destination({ collection: 'all', groupMapping: { [grp]: 'VIP' } });
    const res = await call('DELETE', `/groups/${grp}`);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain(`"${tracking}"`);
    expect(res.body.error.message).toContain(`"${mapping}"`);
    await call('DELETE', `/destinations/${tracking}`);
    await call('DELETE', `/destinations/${mapping}`);
    expect((await call('DELETE', `/groups/${grp}`)).status).toBe(204);
  });
});
