import { describe, expect, it } from 'vitest';
import { registerFakeConnector } from './fake-connector';
import { testApi, uid } from './harness';

/** Mapping types, re-syncs that should not happen, and what deleting a destination leaves. */
describe('destination mapping, changes and deletion', async () => {
  const { call } = await testApi();
  const type = registerFakeConnector();
  const keys = { email: uid('email'), score: uid('score'), note: uid('note') };
  await call('POST', '/properties', { key: keys.email, type: 'email', unique: true });
  await call('POST', '/properties', { key: keys.score, type: 'float' });
  await call('POST', '/properties', { key: keys.note, type: 'string' });
  const app = await call('POST', '/apps', {
    name: 'Tool',
    type,
    options: { url: 'https://tool.example.com', token: 'good-token' },
  });
  const group = await call('POST', '/groups', { name: 'picked', kind: 'manual' });

  const create = (extra: Record<string, unknown> = {}) =>
    call('POST', '/destinations', {
      name: 'Tool list',
      appId: app.body.id,
      options: { table: 'people' },
      collection: 'group',
      groupId: group.body.id,
      mapping: { id: keys.email, score: keys.score },
      ...extra,
    });

  it('refuses a string property mapped to a number field, naming the field', async () => {
    const res = await create({ mapping: { id: keys.email, score: keys.note } });
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual([
      {
        path: 'mapping.score',
        message: `score needs a float value, but "${keys.note}" is a string`,
      },
    ]);
  });

  it('keeps the config version when a PATCH repeats the definition with keys reordered', async () => {
    const created = await create({ groupMapping: { [group.body.id]: 'Picked' } });
    const { id, configVersion } = created.body;
    const same = await call('PATCH', `/destinations/${id}`, {
      mapping: { score: keys.score, id: keys.email },
      options: { table: 'people' },
      groupMapping: { [group.body.id]: 'Picked' },
    });
    expect(same.status).toBe(200);
    expect(same.body.configVersion).toBe(configVersion);
    const runs = await call('GET', `/destinations/${id}/runs`);
    expect(runs.body.runs.map((r: { kind: string }) => r.kind)).toEqual(['initial']);
  });

  it('drops the queued changes of a deleted destination and ends its run', async () => {
    const members = [uid('prf'), uid('prf'), uid('prf')];
    for (const m of members) await call('PUT', `/profiles/${m}`, { properties: {} });
    await call('POST', `/groups/${group.body.id}/members`, { profileIds: members });
    const { body } = await create();
    // No worker serves this test's task queue: the changes stay queued until the delete.
    const before = await call('GET', `/destinations/${body.id}/status`);
    expect(before.body.changesWaiting).toBeGreaterThanOrEqual(3);

    expect((await call('DELETE', `/destinations/${body.id}`)).status).toBe(204);
    const after = await call('GET', `/destinations/${body.id}/status`);
    expect(after.body.changesWaiting).toBe(0);
    const runs = await call('GET', `/destinations/${body.id}/runs`);
    expect(runs.body.runs[0]).toMatchObject({
      kind: 'initial',
      state: 'failed',
      errorSummary: 'the destination was deleted',
    });
  });
});
