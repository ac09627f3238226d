import { describe, expect, it } from 'vitest';
import { registerFakeConnector } from './fake-connector';
import { apiKey, testApi, uid } from './harness';

/**
 * Keys are user text: names of Object.prototype's members ("constructor", "toString") are
 * ordinary keys, and "__proto__" is refused rather than silently dropped.
 */
describe('keys named like JavaScript built-ins', async () => {
  const { app, call } = await testApi();
  const type = registerFakeConnector();
  const email = uid('email');
  const plain = uid('plain');
  await call('POST', '/properties', { key: email, type: 'email', unique: true });
  await call('POST', '/properties', { key: plain, type: 'string' });
  const tool = await call('POST', '/apps', {
    name: 'Tool',
    type,
    options: { url: 'https://tool.example.com', token: 'good-token' },
  });
  const destination = (mapping: Record<string, string>) =>
    call('POST', '/destinations', {
      name: 'Tool',
      appId: tool.body.id,
      options: { table: 'people' },
      collection: 'none',
      mapping,
    });

  it('calls an unknown property "toString" unknown, not an internal error', async () => {
    for (const key of ['toString', 'constructor', 'hasOwnProperty', 'valueOf']) {
      const res = await call('PUT', `/profiles/${uid('p')}`, { properties: { [key]: 'x' } });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe(`properties.${key}: unknown property "${key}"`);
    }
  });

  it('refuses a mapping from a property "valueOf" that does not exist', async () => {
    const res = await destination({ id: email, score: 'valueOf' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('property "valueOf" does not exist');
  });

  it('lets rules name a property called constructor', async () => {
    await call('POST', '/properties', { key: 'constructor', type: 'string' });
    const id = uid('p');
    const put = await call('PUT', `/profiles/${id}`, { properties: { constructor: 'yes' } });
    expect(put.body.properties).toEqual({ constructor: 'yes' });
    const group = await call('POST', '/groups', {
      name: 'built',
      rules: [{ property: 'constructor', op: 'eq', match: 'yes' }],
    });
    expect(group.status).toBe(201);
    const profile = await call('GET', `/profiles/${id}`);
    expect(profile.body.groups.map((g: { id: string }) => g.id)).toContain(group.body.id);
    await call('DELETE', `/groups/${group.body.id}`);
    await call('DELETE', `/profiles/${id}`);
    expect((await call('DELETE', '/properties/constructor')).status).toBe(204);
  });

  it('refuses a key __proto__ anywhere in a body, naming where', async () => {
    const res = await call('PUT', `/profiles/${uid('p')}`, {
      properties: JSON.parse(`{"${plain}":"kept","__proto__":{"a":1}}`),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('properties.__proto__: its name is a reserved name');
    const mapped = await destination(JSON.parse(`{"id":"${email}","__proto__":"${plain}"}`));
    expect(mapped.status).toBe(400);
    expect(mapped.body.error.message).toContain('mapping.__proto__');
  });

  it('refuses a body nested deeper than 64 levels with a 400', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const res = await app.request(`/profiles/${uid('p')}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: `{"properties":${deep}}`,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain('nested more than 64 levels deep');
  });

  it('maps the identifier only from a unique property', async () => {
    const res = await destination({ id: plain });
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual([
      {
        path: 'mapping.id',
        message: `id identifies the remote record and must be mapped from a unique property; "${plain}" is not unique`,
      },
    ]);
    expect((await destination({ id: email })).status).toBe(201);
  });
});
