import { describe, expect, it } from 'vitest';
import { testApi, uid } from './harness';

describe('properties API', async () => {
  const { app, call } = await testApi();

  it('refuses requests without the bearer token but serves health and the OpenAPI document', async () => {
    const refused = await app.request('/properties');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await refused.json()).toEqual({ error: { message: 'unauthorized' } });
    expect((await call('GET', '/health', undefined, { auth: false })).status).toBe(200);
    const doc = await call('GET', '/openapi.json', undefined, { auth: false });
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/profiles/{id}');
  });

  it('creates, reads and lists a property', async () => {
    const key = uid('p');
    const created = await call('POST', '/properties', { key, type: 'float' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key, type: 'float', unique: false, isArray: false });
    expect((await call('GET', `/properties/${key}`)).body.type).toBe('float');
    const list = await call('GET', '/properties');
    expect(list.body.properties.map((p: { key: string }) => p.key)).toContain(key);
  });

  it('names the field and quotes the value of an invalid property', async () => {
    const res = await call('POST', '/properties', { key: '1bad', type: 'money' });
    expect(res.status).toBe(400);
    const paths = res.body.error.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(['key', 'type']);
    expect(res.body.error.issues[0].message).toContain('"1bad"');
    expect(res.body.error.issues[1].message).toContain('"money"');
  });

  it('answers 409 for a duplicate key and 404 for an unknown one', async () => {
    const key = uid('p');
    await call('POST', '/properties', { key, type: 'string' });
    expect((await call('POST', '/properties', { key, type: 'string' })).status).toBe(409);
    expect((await call('GET', `/properties/${uid('nope')}`)).status).toBe(404);
  });

  it('refuses to delete a property a group uses, naming the group', async () => {
    const key = uid('p');
    await call('POST', '/properties', { key, type: 'integer' });
    const group = await call('POST', '/groups', {
      name: 'uses it',
      rules: [{ property: key, op: 'exists' }],
    });
    const res = await call('DELETE', `/properties/${key}`);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain(group.body.id);
  });

  it('deletes an unused property and its values', async () => {
    const key = uid('p');
    const profileId = uid('prf');
    await call('POST', '/properties', { key, type: 'string' });
    await call('PUT', `/profiles/${profileId}`, { properties: { [key]: 'x' } });
    expect((await call('DELETE', `/properties/${key}`)).status).toBe(204);
    expect((await call('GET', `/properties/${key}`)).status).toBe(404);
    expect((await call('GET', `/profiles/${profileId}`)).body.properties).toEqual({});
  });

  it('rejects a second profile with the same value of a unique property, naming both', async () => {
    const key = uid('u');
    await call('POST', '/properties', { key, type: 'email', unique: true });
    await call('PUT', `/profiles/${uid('prf')}`, { properties: { [key]: 'same@example.com' } });
    const res = await call('PUT', `/profiles/${uid('prf')}`, {
      properties: { [key]: 'same@example.com' },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe(`another profile already has ${key} "same@example.com"`);
  });
});
