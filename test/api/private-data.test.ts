import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../lib/logger';
import { testApi, uid } from './harness';

/** What reaches the logs when a request fails, and values that would make Postgres fail. */
describe('personal data and internal errors', async () => {
  const { call, db } = await testApi();
  const keys = { email: uid('email'), note: uid('note') };
  await call('POST', '/properties', { key: keys.email, type: 'email', unique: true });
  await call('POST', '/properties', { key: keys.note, type: 'string' });

  afterEach(() => vi.restoreAllMocks());

  it('logs an internal error without its message, SQL or parameters', async () => {
    const logged = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    // What a driver's error looks like: its message quotes the statement and its parameters.
    const name = 'ada.lovelace@example.com';
    const failure = Object.assign(
      new Error(`insert into "groups" ("name") values ($1) -- params: ${name}`),
      { name: 'PostgresError', code: 'XX000' },
    );
    vi.spyOn(db, 'transaction').mockRejectedValueOnce(failure);
    const res = await call('POST', '/groups', { name, kind: 'manual' });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { message: 'internal error' } });
    expect(logged).toHaveBeenCalledTimes(1);
    const line = JSON.stringify(logged.mock.calls[0]);
    expect(line).not.toContain('ada.lovelace');
    expect(line).not.toMatch(/insert into/i);
    expect(logged.mock.calls[0]![0]).toMatchObject({
      method: 'POST',
      route: '/groups',
      err: { code: expect.stringMatching(/^[0-9A-Z]{5}$/) },
    });
  });

  it('refuses a NUL character in a profile value with a 400 naming the field', async () => {
    const res = await call('PUT', `/profiles/${uid('prf')}`, {
      properties: { [keys.note]: 'hello\u0000world' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.issues[0]).toEqual({
      path: `properties.${keys.note}`,
      message: 'must not contain NUL characters (\\u0000)',
    });
  });

  it('refuses text Postgres cannot store in any field with a 400 naming it, never quoting it', async () => {
    const group = await call('POST', '/groups', { name: 'VIP\u0000', kind: 'manual' });
    expect(group.status).toBe(400);
    expect(group.body.error.message).toBe('name: must not contain NUL characters (\\u0000)');
    const secret = 'a-secret-\ud800-value';
    const app = await call('POST', '/apps', {
      id: uid('app'),
      name: 'Hook',
      type: 'webhook',
      options: { url: 'https://hooks.example.com/in', secret },
    });
    expect(app.status).toBe(400);
    expect(app.body.error.message).toBe(
      'options.secret: must be well-formed Unicode (no lone surrogate such as \\ud800)',
    );
    expect(JSON.stringify(app.body)).not.toContain('a-secret');
  });

  it('stores emails trimmed and lower-cased, so case variants are one unique value', async () => {
    const [first, second] = [uid('prf'), uid('prf')];
    const address = `${uid('Ada')}@Example.COM`;
    const put = await call('PUT', `/profiles/${first}`, {
      properties: { [keys.email]: ` ${address} ` },
    });
    expect(put.body.properties[keys.email]).toBe(address.toLowerCase());
    const clash = await call('PUT', `/profiles/${second}`, {
      properties: { [keys.email]: address.toLowerCase() },
    });
    expect(clash.status).toBe(409);
  });
});
