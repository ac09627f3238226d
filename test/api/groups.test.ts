import { describe, expect, it } from 'vitest';
import { testApi, uid } from './harness';

describe('groups API', async () => {
  const { call } = await testApi();
  const keys = { ltv: uid('ltv'), vip: uid('vip'), tags: uid('tags'), seen: uid('seen') };
  await call('POST', '/properties', { key: keys.ltv, type: 'float' });
  await call('POST', '/properties', { key: keys.vip, type: 'boolean' });
  await call('POST', '/properties', { key: keys.tags, type: 'string', isArray: true });
  await call('POST', '/properties', { key: keys.seen, type: 'date' });

  // Five profiles; each test's group is evaluated over all of them.
  const p = Object.fromEntries(['rich', 'poor', 'empty', 'tagged', 'old'].map((n) => [n, uid(n)]));
  await call('PUT', `/profiles/${p.rich}`, { properties: { [keys.ltv]: 500, [keys.vip]: true } });
  await call('PUT', `/profiles/${p.poor}`, { properties: { [keys.ltv]: 5, [keys.vip]: false } });
  await call('PUT', `/profiles/${p.empty}`, { properties: {} });
  await call('PUT', `/profiles/${p.tagged}`, { properties: { [keys.tags]: ['red', 'blue'] } });
  await call('PUT', `/profiles/${p.old}`, { properties: { [keys.seen]: '2001-01-01' } });
  const mine = new Set(Object.values(p));

  async function membersOf(rules: unknown[], matchType = 'all') {
    const group = await call('POST', '/groups', { name: 'g', matchType, rules });
    expect(group.status).toBe(201);
    // Other suites' profiles share the database: look only at this file's five.
    const members: string[] = [];
    for (const id of mine) {
      const profile = await call('GET', `/profiles/${id}`);
      const groups = profile.body.groups as { id: string }[];
      if (groups.some((g) => g.id === group.body.id)) members.push(id);
    }
    return members.sort();
  }
  const sorted = (...ids: (string | undefined)[]) => (ids as string[]).sort();

  it('matches eq, gt and lt on numbers and dates', async () => {
    expect(await membersOf([{ property: keys.ltv, op: 'gt', match: '100' }])).toEqual([p.rich]);
    expect(await membersOf([{ property: keys.ltv, op: 'lt', match: 100 }])).toEqual([p.poor]);
    expect(await membersOf([{ property: keys.ltv, op: 'eq', match: 5 }])).toEqual([p.poor]);
    expect(await membersOf([{ property: keys.seen, op: 'lt', match: '2010-01-01' }])).toEqual([
      p.old,
    ]);
  });

  it('matches ne for everyone without that value, profiles without the property included', async () => {
    const ids = await membersOf([{ property: keys.vip, op: 'ne', match: true }]);
    expect(ids).toEqual(sorted(p.poor, p.empty, p.tagged, p.old));
  });

  it('matches exists and notExists', async () => {
    expect(await membersOf([{ property: keys.ltv, op: 'exists' }])).toEqual(sorted(p.rich, p.poor));
    const without = await membersOf([{ property: keys.ltv, op: 'notExists' }]);
    expect(without).toEqual(sorted(p.empty, p.tagged, p.old));
  });

  it('matches an array property when any element matches, and ne when none does', async () => {
    expect(await membersOf([{ property: keys.tags, op: 'eq', match: 'blue' }])).toEqual([p.tagged]);
    const notBlue = await membersOf([{ property: keys.tags, op: 'ne', match: 'blue' }]);
    expect(notBlue).not.toContain(p.tagged);
    expect(notBlue).toHaveLength(4);
  });

  it('combines rules with all and any', async () => {
    const rules = [
      { property: keys.ltv, op: 'gt', match: 1 },
      { property: keys.vip, op: 'eq', match: false },
    ];
    expect(await membersOf(rules, 'all')).toEqual([p.poor]);
    expect(await membersOf(rules, 'any')).toEqual(sorted(p.rich, p.poor));
  });

  it('has no members without rules', async () => {
    expect(await membersOf([])).toEqual([]);
  });

  it('updates membership when a profile changes', async () => {
    const group = await call('POST', '/groups', {
      name: 'high',
      rules: [{ property: keys.ltv, op: 'gt', match: 100 }],
    });
    const id = uid('prf');
    await call('PUT', `/profiles/${id}`, { properties: { [keys.ltv]: 101 } });
    const groupsOf = async () => (await call('GET', `/profiles/${id}`)).body.groups;
    expect(await groupsOf()).toContainEqual({ id: group.body.id, name: 'high' });
    await call('PATCH', `/profiles/${id}`, { properties: { [keys.ltv]: 99 } });
    expect(await groupsOf()).not.toContainEqual({ id: group.body.id, name: 'high' });
  });

  it('recomputes members when the rules change and reports the count', async () => {
    const group = await call('POST', '/groups', {
      name: 'g',
      rules: [{ property: keys.vip, op: 'eq', match: true }],
    });
    expect(group.body.memberCount).toBeGreaterThanOrEqual(1);
    const res = await call('PATCH', `/groups/${group.body.id}`, {
      rules: [{ property: keys.ltv, op: 'gt', match: 1e9 }],
    });
    expect(res.body.memberCount).toBe(0);
  });

  it('names the rule whose operator does not fit its property type', async () => {
    const res = await call('POST', '/groups', {
      name: 'bad',
      rules: [
        { property: keys.ltv, op: 'exists' },
        { property: keys.vip, op: 'gt', match: 1 },
        { property: keys.seen, op: 'startsWith', match: 'r' },
        { property: keys.ltv, op: 'eq', match: 'lots' },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.issues.map((i: { path: string }) => i.path)).toEqual([
      'rules[1].op',
      'rules[2].op',
      'rules[3].match',
    ]);
    expect(res.body.error.issues[1].message).toContain('"startsWith"');
  });

  it('refuses more than 25 rules and an unknown operator name', async () => {
    const rules = Array.from({ length: 26 }, () => ({ property: keys.ltv, op: 'exists' }));
    expect((await call('POST', '/groups', { name: 'many', rules })).body.error.issues[0].path).toBe(
      'rules',
    );
    const res = await call('POST', '/groups', {
      name: 'x',
      rules: [{ property: keys.ltv, op: 'around' }],
    });
    expect(res.body.error.issues[0]).toMatchObject({ path: 'rules[0].op' });
    expect(res.body.error.issues[0].message).toContain('"around"');
  });

  it('adds and removes members of a manual group', async () => {
    const group = await call('POST', '/groups', {
      id: uid('grp'),
      name: 'hand-picked',
      kind: 'manual',
    });
    const add = await call('POST', `/groups/${group.body.id}/members`, {
      profileIds: [p.rich, p.poor],
    });
    expect(add.body).toEqual({ added: 2 });
    const remove = await call('DELETE', `/groups/${group.body.id}/members`, {
      profileIds: [p.rich],
    });
    expect(remove.body).toEqual({ removed: 1 });
    expect((await call('GET', `/groups/${group.body.id}/members`)).body.profileIds).toEqual([
      p.poor,
    ]);
    const unknown = await call('POST', `/groups/${group.body.id}/members`, {
      profileIds: [uid('nobody')],
    });
    expect(unknown.status).toBe(404);
  });

  it('answers 404 for an unknown group and 409 for a duplicate id', async () => {
    expect((await call('GET', `/groups/${uid('grp')}`)).status).toBe(404);
    const id = uid('grp');
    await call('POST', '/groups', { id, name: 'a', kind: 'manual' });
    expect((await call('POST', '/groups', { id, name: 'b', kind: 'manual' })).status).toBe(409);
    expect((await call('DELETE', `/groups/${id}`)).status).toBe(204);
    expect((await call('GET', `/groups/${id}`)).status).toBe(404);
  });
});
