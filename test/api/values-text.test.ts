import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testApi, uid } from './harness';

/** Text Postgres could not store, or not index: a 400 naming the field, nothing written. */
describe('text values', async () => {
  const { call } = await testApi();
  const keys = { name: uid('name'), tags: uid('tags'), code: uid('code') };
  await call('POST', '/properties', { key: keys.name, type: 'string' });
  await call('POST', '/properties', { key: keys.tags, type: 'string', isArray: true });
  await call('POST', '/properties', { key: keys.code, type: 'string', unique: true });

  // Answered for any field of any request before a route reads it, so it never quotes.
  const surrogate = 'must be well-formed Unicode (no lone surrogate such as \\ud800)';

  it('refuses a lone surrogate in a profile value, writing nothing', async () => {
    const id = uid('prf');
    const res = await call('PUT', `/profiles/${id}`, { properties: { [keys.name]: '\ud800' } });
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual([
      { path: `properties.${keys.name}`, message: surrogate },
    ]);
    expect((await call('GET', `/profiles/${id}`)).status).toBe(404);
  });

  it('names the array element and batch entry of a lone surrogate, writing no entry', async () => {
    const [good, bad] = [uid('prf'), uid('prf')];
    const res = await call('POST', '/profiles/batch', {
      profiles: [
        { id: good, properties: { [keys.name]: 'Zoë 😀' } },
        { id: bad, properties: { [keys.tags]: ['ok', 'x\udc00'] } },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual([
      { path: `profiles[1].properties.${keys.tags}[1]`, message: surrogate },
    ]);
    expect((await call('GET', `/profiles/${good}`)).status).toBe(404);
  });

  it('refuses a lone surrogate or NUL in a rule match, patterns included', async () => {
    const matches = [
      ['eq', '\udc00', surrogate],
      ['startsWith', 'ab\ud800', surrogate],
      ['like', 'a\u0000%', 'must not contain NUL characters (\\u0000)'],
    ];
    for (const [op, match, message] of matches) {
      const id = uid('grp');
      const res = await call('POST', '/groups', {
        id,
        name: 'g',
        rules: [{ property: keys.name, op, match }],
      });
      expect(res.status, op).toBe(400);
      expect(res.body.error.issues).toEqual([{ path: 'rules[0].match', message }]);
      expect((await call('GET', `/groups/${id}`)).status).toBe(404);
    }
  });

  it('refuses a lone surrogate in changed rules, keeping the stored ones', async () => {
    const id = uid('grp');
    const rules = [{ property: keys.name, op: 'eq', match: 'Ada' }];
    await call('POST', '/groups', { id, name: 'g', rules });
    const res = await call('PATCH', `/groups/${id}`, {
      rules: [{ property: keys.name, op: 'substring', match: '\ud83d' }],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.issues[0].path).toBe('rules[0].match');
    expect((await call('GET', `/groups/${id}`)).body.rules).toEqual(rules);
  });

  it('refuses a unique value over 500 characters, naming the field', async () => {
    const id = uid('prf');
    const res = await call('PUT', `/profiles/${id}`, {
      properties: { [keys.code]: 'x'.repeat(10_000) },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual([
      {
        path: `properties.${keys.code}`,
        message: `expected at most 500 characters for a unique property, got 10,000: "${'x'.repeat(78)}…`,
      },
    ]);
    expect((await call('GET', `/profiles/${id}`)).status).toBe(404);
  });

  it('indexes a unique value of 500 characters in any script', async () => {
    // Random, so the index cannot compress them: 500 emoji are 2,000 bytes of UTF-8.
    const emoji = () => String.fromCodePoint(0x1f300 + randomInt(0x300));
    for (const char of [() => 'x', () => String.fromCodePoint(0x4e00 + randomInt(20_000)), emoji]) {
      const value = Array.from({ length: 500 }, char).join('');
      const res = await call('PUT', `/profiles/${uid('prf')}`, {
        properties: { [keys.code]: value },
      });
      expect(res.status).toBe(200);
      expect(res.body.properties[keys.code]).toBe(value);
    }
  });

  it('stores a string of 65,536 characters and refuses a longer one', async () => {
    const id = uid('prf');
    const longest = 'y'.repeat(65_536);
    const ok = await call('PUT', `/profiles/${id}`, { properties: { [keys.name]: longest } });
    expect(ok.body.properties[keys.name]).toBe(longest);
    const res = await call('PUT', `/profiles/${id}`, {
      properties: { [keys.name]: `${longest}y` },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual([
      {
        path: `properties.${keys.name}`,
        message: `expected at most 65,536 characters, got 65,537: "${'y'.repeat(78)}…`,
      },
    ]);
    expect((await call('GET', `/profiles/${id}`)).body.properties[keys.name]).toBe(longest);
  });

  it('refuses a 20 MB value in a batch, naming the entry and writing none', async () => {
    const good = uid('prf');
    const res = await call('POST', '/profiles/batch', {
      profiles: [
        { id: good, properties: { [keys.name]: 'Ada' } },
        { id: uid('prf'), properties: { [keys.name]: 'z'.repeat(20 * 1024 * 1024) } },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual([
      {
        path: `profiles[1].properties.${keys.name}`,
        message: `expected at most 65,536 characters, got 20,971,520: "${'z'.repeat(78)}…`,
      },
    ]);
    expect((await call('GET', `/profiles/${good}`)).status).toBe(404);
  });
});
