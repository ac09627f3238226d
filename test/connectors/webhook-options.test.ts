import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { apps } from '../../db/schema';
import '../../connectors/builtin';
import { testApi, uid } from '../api/harness';

/** The receiver's URL carries no credentials: fetch refuses such URLs, and URLs are shown. */
describe('webhook app options', async () => {
  const { call, db } = await testApi();
  const secret = 'a-long-shared-secret';
  const refusal =
    'url must not contain a user name or password: send credentials in headers (e.g. ' +
    'Authorization), or let the receiver verify the signature made with the secret';

  it('refuses a url with a user name and password, never quoting the password', async () => {
    const id = uid('app');
    const res = await call('POST', '/apps', {
      id,
      name: 'Hook',
      type: 'webhook',
      options: { url: 'http://u:PASSW0RD@hooks.example.com/in', secret },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual([
      {
        path: 'options.url',
        message: `${refusal}, got "http://********:********@hooks.example.com/in"`,
      },
    ]);
    expect(JSON.stringify(res.body)).not.toContain('PASSW0RD');
    expect((await call('GET', `/apps/${id}`)).status).toBe(404);
  });

  it('refuses a token given as the user name alone', async () => {
    const res = await call('POST', '/apps', {
      name: 'Hook',
      type: 'webhook',
      options: { url: 'https://tok_SECRET123@hooks.example.com/in', secret },
    });
    expect(res.body.error.issues[0].message).toBe(
      `${refusal}, got "https://********@hooks.example.com/in"`,
    );
    expect(JSON.stringify(res.body)).not.toContain('SECRET123');
  });

  it('masks the credentials of a url that is refused for its scheme or its syntax', async () => {
    for (const url of ['ftp://u:PASSW0RD@files.example.com/', 'http://u:PASSW0RD@']) {
      const res = await call('POST', '/apps', {
        name: 'Hook',
        type: 'webhook',
        options: { url, secret },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.issues[0].message).toMatch(
        /^url must be an http:\/\/ or https:\/\/ URL, got "(ftp|http):\/\/\*{8}/,
      );
      expect(JSON.stringify(res.body)).not.toContain('PASSW0RD');
    }
  });

  it('refuses credentials in a changed url, keeping the stored one', async () => {
    const id = uid('app');
    const url = 'https://hooks.example.com/in';
    const headers = { Authorization: 'Bearer PASSW0RD' };
    const created = await call('POST', '/apps', {
      id,
      name: 'Hook',
      type: 'webhook',
      options: { url, secret, headers },
    });
    expect(created.status).toBe(201);
    const res = await call('PATCH', `/apps/${id}`, {
      options: { url: 'https://u:PASSW0RD@hooks.example.com/in', secret: '********' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.issues[0].path).toBe('options.url');
    expect(JSON.stringify(res.body)).not.toContain('PASSW0RD');
    expect((await call('GET', `/apps/${id}`)).body.options).toMatchObject({
      url,
      headers: { Authorization: '********' },
    });
  });

  it('shows header names with masked values, and keeps a masked one sent back', async () => {
    const id = uid('app');
    const url = 'https://hooks.example.com/in';
    const headers = { Authorization: 'Bearer PASSW0RD', 'X-Tenant': 'acme-7' };
    await call('POST', '/apps', {
      id,
      name: 'Hook',
      type: 'webhook',
      options: { url, secret, headers },
    });
    const shown = (await call('GET', `/apps/${id}`)).body.options.headers;
    expect(shown).toEqual({ Authorization: '********', 'X-Tenant': '********' });

    const res = await call('PATCH', `/apps/${id}`, {
      options: { url, secret: '********', headers: { ...shown, 'X-Tenant': 'acme-8' } },
    });
    expect(res.status).toBe(200);
    const [row] = await db.select().from(apps).where(eq(apps.id, id));
    expect(row!.options.headers).toEqual({
      Authorization: 'Bearer PASSW0RD',
      'X-Tenant': 'acme-8',
    });
    expect(row!.options.secret).toBe(secret);
  });
});
