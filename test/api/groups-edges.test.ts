import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { loadDefinitions, writeProfiles } from '../../db/profiles';
import { testApi, uid } from './harness';

describe('group membership at the edges', async () => {
  const { call, db } = await testApi();

  async function isMember(profileId: string, groupId: string) {
    const profile = await call('GET', `/profiles/${profileId}`);
    return (profile.body.groups as { id: string }[]).some((g) => g.id === groupId);
  }

  it('ignores case beyond ASCII in iLike and notILike', async () => {
    const name = uid('name');
    await call('POST', '/properties', { key: name, type: 'string' });
    const id = uid('p');
    await call('PUT', `/profiles/${id}`, { properties: { [name]: 'ÉCOLE Élan' } });
    const like = await call('POST', '/groups', {
      name: 'accents',
      rules: [{ property: name, op: 'iLike', match: 'école%' }],
    });
    const notLike = await call('POST', '/groups', {
      name: 'no accents',
      rules: [{ property: name, op: 'notILike', match: '%élan' }],
    });
    expect(await isMember(id, like.body.id)).toBe(true);
    expect(await isMember(id, notLike.body.id)).toBe(false);
  });

  it('matches _createdAt eq with the createdAt the API shows', async () => {
    const id = uid('p');
    await call('PUT', `/profiles/${id}`, { properties: {} });
    const { createdAt } = (await call('GET', `/profiles/${id}`)).body as { createdAt: string };
    const eq = await call('POST', '/groups', {
      name: 'born then',
      rules: [{ property: '_createdAt', op: 'eq', match: createdAt }],
    });
    const lte = await call('POST', '/groups', {
      name: 'born by then',
      rules: [{ property: '_createdAt', op: 'lte', match: createdAt }],
    });
    expect(await isMember(id, eq.body.id)).toBe(true);
    expect(await isMember(id, lte.body.id)).toBe(true);
  });

  it('refuses a relative span beyond 1000 years, naming the rule', async () => {
    const seen = uid('seen');
    await call('POST', '/properties', { key: seen, type: 'date' });
    const res = await call('POST', '/groups', {
      name: 'far',
      rules: [
        { property: seen, op: 'relative_gt', relativeMatchNumber: 2, relativeMatchUnit: 'days' },
        {
          property: seen,
          op: 'relative_gt',
          relativeMatchNumber: 7000,
          relativeMatchUnit: 'years',
        },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('rules[1].relativeMatchNumber');
    expect(res.body.error.message).toContain('7000 years');
    const days = await call('POST', '/groups', {
      name: 'far',
      rules: [
        { property: seen, op: 'relative_lt', relativeMatchNumber: 1e9, relativeMatchUnit: 'days' },
      ],
    });
    expect(days.status).toBe(400);
  });

  it('keeps membership right when a rule changes while a profile write is in flight', async () => {
    const score = uid('score');
    await call('POST', '/properties', { key: score, type: 'integer' });
    const group = await call('POST', '/groups', {
      name: 'scored',
      rules: [{ property: score, op: 'gte', match: 70 }],
    });
    const id = uid('p');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => (written = resolve));
    // A profile write that has evaluated the old rule (60 < 70) but not yet committed…
    const write = db.transaction(async (tx) => {
      await writeProfiles(tx, await loadDefinitions(tx), [{ id, properties: { [score]: 60 } }]);
      written();
      await held;
    });
    await wrote;
    // …while the rule moves to 50, which the profile meets.
    const patch = call('PATCH', `/groups/${group.body.id}`, {
      rules: [{ property: score, op: 'gte', match: 50 }],
    });
    await new Promise((r) => setTimeout(r, 300));
    release();
    await write;
    expect((await patch).status).toBe(200);
    expect(await isMember(id, group.body.id)).toBe(true);
    const [row] = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from group_members where group_id = ${group.body.id}`,
    );
    expect(row!.n).toBe(1);
  });
});
