import { describe, expect, it } from 'vitest';
import '../../connectors/builtin';
import { registerFakeConnector } from './fake-connector';
import { testApi, uid } from './harness';

/** What a 400 says: the field, the bad value once and short, never a secret. */
describe('validation messages', async () => {
  const { call } = await testApi();
  const type = registerFakeConnector();
  const keys = { email: uid('email'), ltv: uid('ltv') };
  await call('POST', '/properties', { key: keys.email, type: 'email', unique: true });
  await call('POST', '/properties', { key: keys.ltv, type: 'float' });

  it('never quotes the value of a secret option', async () => {
    const res = await call('POST', '/apps', {
      name: 'Tool',
      type,
      options: { url: 'https://tool.example.com', token: 'abc' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.issues[0].path).toBe('options.token');
    expect(JSON.stringify(res.body)).not.toContain('abc');
  });

  it('quotes a bad value once, and at most about 80 characters of it', async () => {
    const hook = await call('POST', '/apps', {
      name: 'Hook',
      type: 'webhook',
      options: { url: 'ftp://x', secret: 'a-long-shared-secret' },
    });
    expect(hook.body.error.issues[0]).toEqual({
      path: 'options.url',
      message: 'url must be an http:// or https:// URL, got "ftp://x"',
    });
    const long = 'x'.repeat(500);
    const res = await call('PUT', `/profiles/${uid('prf')}`, { properties: { [keys.ltv]: long } });
    const message: string = res.body.error.issues[0].message;
    expect(message.length).toBeLessThan(120);
    expect(message).toMatch(/^expected a number, got "x+…$/);
  });

  it('counts the profiles of a batch that is too large instead of quoting them', async () => {
    const profiles = Array.from({ length: 5001 }, (_, i) => ({ id: `p${i}`, properties: {} }));
    const res = await call('POST', '/profiles/batch', { profiles });
    expect(res.status).toBe(400);
    expect(res.body.error.issues[0].path).toBe('profiles');
    expect(res.body.error.issues[0].message).toMatch(/, got 5,001 profiles$/);
    expect(JSON.stringify(res.body).length).toBeLessThan(500);
  });

  it('names the entry that repeats a unique value of the same batch, writing nothing', async () => {
    const email = `${uid('ada')}@example.com`;
    const ids = [uid('prf'), uid('prf'), uid('prf')];
    const res = await call('POST', '/profiles/batch', {
      profiles: [
        { id: ids[0], properties: { [keys.email]: email } },
        { id: ids[1], properties: { [keys.ltv]: 1 } },
        { id: ids[2], properties: { [keys.email]: email.toUpperCase() } },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual([
      {
        path: `profiles[2].properties.${keys.email}`,
        message: `"${email}" is also the value of profiles[0] (${keys.email} is unique)`,
      },
    ]);
    expect((await call('GET', `/profiles/${ids[0]}`)).status).toBe(404);
  });

  it('names the entry whose unique value another stored profile holds', async () => {
    const email = `${uid('bob')}@example.com`;
    await call('PUT', `/profiles/${uid('prf')}`, { properties: { [keys.email]: email } });
    const res = await call('POST', '/profiles/batch', {
      profiles: [
        { id: uid('prf'), properties: { [keys.ltv]: 2 } },
        { id: uid('prf'), properties: { [keys.email]: email } },
      ],
    });
    expect(res.status).toBe(409);
    expect(res.body.error.issues[0].path).toBe(`profiles[1].properties.${keys.email}`);
  });

  it('counts every entry sent and says when ids repeat, the last one winning', async () => {
    const id = uid('prf');
    const res = await call('POST', '/profiles/batch', {
      profiles: [
        { id, properties: { [keys.ltv]: 1 } },
        { id: uid('prf'), properties: { [keys.ltv]: 1 } },
        { id, properties: { [keys.ltv]: 3 } },
      ],
    });
    expect(res.body).toMatchObject({ received: 3, changed: 2, unchanged: 0, repeatedIds: 1 });
    expect(res.body.note).toContain('the last entry of each id wins');
    expect((await call('GET', `/profiles/${id}`)).body.properties).toEqual({ [keys.ltv]: 3 });
  });
});
