import { describe, expect, it } from 'vitest';
import { testApi, uid } from './harness';

describe('profiles API', async () => {
  const { call } = await testApi();
  const keys = {
    email: uid('email'),
    ltv: uid('ltv'),
    born: uid('born'),
    tags: uid('tags'),
    vip: uid('vip'),
  };
  await call('POST', '/properties', { key: keys.email, type: 'email' });
  await call('POST', '/properties', { key: keys.ltv, type: 'float' });
  await call('POST', '/properties', { key: keys.born, type: 'date' });
  await call('POST', '/properties', { key: keys.tags, type: 'string', isArray: true });
  await call('POST', '/properties', { key: keys.vip, type: 'boolean' });

  it('stores values normalised to their property types', async () => {
    const id = uid('prf');
    const res = await call('PUT', `/profiles/${id}`, {
      properties: {
        [keys.email]: ' ann@example.com ',
        [keys.ltv]: '12.5',
        [keys.born]: '2024-03-01T10:00:00+02:00',
        [keys.tags]: 'solo',
        [keys.vip]: 'false',
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.properties).toEqual({
      [keys.email]: 'ann@example.com',
      [keys.ltv]: 12.5,
      [keys.born]: '2024-03-01T08:00:00.000Z',
      [keys.tags]: ['solo'],
      [keys.vip]: false,
    });
  });

  it('answers 400 naming the property and quoting the bad value', async () => {
    const res = await call('PUT', `/profiles/${uid('prf')}`, { properties: { [keys.ltv]: 'abc' } });
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual([
      { path: `properties.${keys.ltv}`, message: 'expected a number, got "abc"' },
    ]);
  });

  it('answers 400 for an unknown property and for an array given to a scalar property', async () => {
    const res = await call('PUT', `/profiles/${uid('prf')}`, {
      properties: { nope: 1, [keys.ltv]: [1, 2] },
    });
    expect(res.body.error.issues.map((i: { path: string }) => i.path)).toEqual([
      'properties.nope',
      `properties.${keys.ltv}`,
    ]);
  });

  it('merges a partial update and removes values set to null', async () => {
    const id = uid('prf');
    await call('PUT', `/profiles/${id}`, {
      properties: { [keys.ltv]: 1, [keys.email]: 'b@example.com' },
    });
    const res = await call('PATCH', `/profiles/${id}`, {
      properties: { [keys.ltv]: null, [keys.vip]: 1 },
    });
    expect(res.body.properties).toEqual({ [keys.email]: 'b@example.com', [keys.vip]: true });
  });

  it('replaces all values on PUT', async () => {
    const id = uid('prf');
    await call('PUT', `/profiles/${id}`, {
      properties: { [keys.ltv]: 1, [keys.email]: 'c@example.com' },
    });
    const res = await call('PUT', `/profiles/${id}`, { properties: { [keys.ltv]: 2 } });
    expect(res.body.properties).toEqual({ [keys.ltv]: 2 });
  });

  it('answers 404 for an unknown profile on GET, PATCH and DELETE', async () => {
    const id = uid('missing');
    expect((await call('GET', `/profiles/${id}`)).status).toBe(404);
    expect((await call('PATCH', `/profiles/${id}`, { properties: {} })).status).toBe(404);
    expect((await call('DELETE', `/profiles/${id}`)).status).toBe(404);
  });

  it('deletes a profile', async () => {
    const id = uid('prf');
    await call('PUT', `/profiles/${id}`, { properties: { [keys.ltv]: 1 } });
    expect((await call('DELETE', `/profiles/${id}`)).status).toBe(204);
    expect((await call('GET', `/profiles/${id}`)).status).toBe(404);
  });

  it('upserts a batch of 1,000 and counts a repeated batch as unchanged', async () => {
    const prefix = uid('b');
    const batch = Array.from({ length: 1000 }, (_, i) => ({
      id: `${prefix}_${i}`,
      properties: { [keys.ltv]: i, [keys.tags]: ['a', String(i % 3)] },
    }));
    const first = await call('POST', '/profiles/batch', { profiles: batch });
    expect(first.body).toEqual({ received: 1000, changed: 1000, unchanged: 0 });
    const again = await call('POST', '/profiles/batch', { profiles: batch });
    expect(again.body).toEqual({ received: 1000, changed: 0, unchanged: 1000 });
    const stored = await call('GET', `/profiles/${prefix}_999`);
    expect(stored.body.properties).toEqual({ [keys.ltv]: 999, [keys.tags]: ['a', '0'] });
  });

  it('takes concurrent batches of the same profiles in any order without an error', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `${uid('c')}_${i}`);
    const shuffled = (seed: number) =>
      ids
        .map((id, i) => ({ id, key: (i * 7919 + seed * 104_729) % 1000 }))
        .sort((a, b) => a.key - b.key)
        .map((x) => x.id);
    const answers = await Promise.all(
      [1, 2, 3, 4].map((w) =>
        call('POST', '/profiles/batch', {
          profiles: shuffled(w).map((id) => ({ id, properties: { [keys.ltv]: w } })),
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
  });

  it('names the profile index of a bad value in a batch and writes none of it', async () => {
    const good = uid('prf');
    const res = await call('POST', '/profiles/batch', {
      profiles: [
        { id: good, properties: { [keys.ltv]: 1 } },
        { id: uid('prf'), properties: { [keys.born]: 'someday' } },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.issues[0].path).toBe(`profiles[1].properties.${keys.born}`);
    expect((await call('GET', `/profiles/${good}`)).status).toBe(404);
  });

  it('pages through profiles by id', async () => {
    const res = await call('GET', '/profiles?limit=2');
    expect(res.body.profiles).toHaveLength(2);
    const next = await call('GET', `/profiles?limit=2&after=${res.body.next}`);
    expect(next.body.profiles[0].id > res.body.profiles[1].id).toBe(true);
    expect((await call('GET', '/profiles?limit=zero')).body.error.issues[0].path).toBe('limit');
  });
});
