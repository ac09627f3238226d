import { createServer, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import '../../connectors/builtin';
import { closePostgresPools } from '../../connectors/postgres';
import { freePort } from '../../scripts/processes';
import { testApi, uid } from '../api/harness';
import { targetUrl, uniqueName } from './postgres-fixtures';

/**
 * Creating or changing a `postgres` destination asks the target database for the table's
 * columns and checks the mapping against them. What the user sees when the mapping names a
 * column Outflow cannot write, or when the database cannot be reached or refuses.
 */

const { call } = await testApi();
afterAll(() => closePostgresPools());

const keys = { email: uid('email'), plan: uid('plan') };
await call('POST', '/properties', { key: keys.email, type: 'email', unique: true });
await call('POST', '/properties', { key: keys.plan, type: 'string' });

const target = new URL(targetUrl());
const database = decodeURIComponent(target.pathname.slice(1));
const user = decodeURIComponent(target.username);
const where = `${target.hostname}:${target.port || '5432'}`;
const password = 'Wr0ng-pa55word-for-the-test';

/** The target URL with some parts replaced. */
function targetWith(parts: { password?: string; host?: string; port?: number; db?: string }) {
  const url = new URL(targetUrl());
  if (parts.password !== undefined) url.password = parts.password;
  if (parts.host !== undefined) url.hostname = parts.host;
  if (parts.port !== undefined) url.port = String(parts.port);
  if (parts.db !== undefined) url.pathname = `/${parts.db}`;
  return url.toString();
}

async function postgresApp(connectionString = targetUrl(), schema = 'public'): Promise<string> {
  const res = await call('POST', '/apps', {
    id: uid('pg'),
    name: 'Warehouse',
    type: 'postgres',
    options: { connectionString, schema },
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

function destination(appId: string, mapping: Record<string, string>, options = {}) {
  return {
    id: uid('dst'),
    name: 'Warehouse customers',
    appId,
    options: { table: uniqueName('pg_api'), keyColumn: 'email', ...options },
    collection: 'none',
    mapping,
  };
}

/** Creates the destination; expects it refused with `status` and nothing written. */
async function refused(body: ReturnType<typeof destination>, status: number) {
  const res = await call('POST', '/destinations', body);
  expect(res.status).toBe(status);
  expect((await call('GET', `/destinations/${body.id}`)).status).toBe(404);
  return res.body;
}

describe('a postgres destination whose mapping names a column Outflow cannot write', async () => {
  const appId = await postgresApp();

  it('refuses updated_at, which Outflow stamps itself, naming mapping.updated_at', async () => {
    const body = await refused(
      destination(appId, { email: keys.email, updated_at: keys.plan }),
      400,
    );
    const message = '"updated_at" is written by Outflow itself and cannot be mapped';
    expect(body.error).toEqual({
      message: `mapping.updated_at: ${message}`,
      issues: [{ path: 'mapping.updated_at', message }],
    });
  });

  it('refuses the groups column, naming mapping.groups', async () => {
    const body = await refused(destination(appId, { email: keys.email, groups: keys.plan }), 400);
    expect(body.error.message).toBe(
      'mapping.groups: "groups" is written by Outflow itself and cannot be mapped',
    );
  });

  it('refuses the column chosen as groupsColumn, whatever its name', async () => {
    const body = await refused(
      destination(appId, { email: keys.email, segments: keys.plan }, { groupsColumn: 'segments' }),
      400,
    );
    expect(body.error.message).toBe(
      'mapping.segments: "segments" is written by Outflow itself and cannot be mapped',
    );
  });

  it('accepts a groups field when the groups go to a groups table', async () => {
    const body = destination(
      appId,
      { email: keys.email, groups: keys.plan },
      { groupsTable: uniqueName('pg_api_groups') },
    );
    expect((await call('POST', '/destinations', body)).status).toBe(201);
  });

  it('refuses a field that is not a valid column name, naming it', async () => {
    const body = await refused(
      destination(appId, { email: keys.email, 'bad col': keys.plan }),
      400,
    );
    const message =
      '"bad col" is not a Postgres column name ' +
      '(letters, digits and _, not starting with a digit; at most 63)';
    expect(body.error).toEqual({
      message: `mapping.bad col: ${message}`,
      issues: [{ path: 'mapping.bad col', message }],
    });
  });

  it('refuses the same fields when a destination is changed, and keeps its mapping', async () => {
    const body = destination(appId, { email: keys.email, plan: keys.plan });
    expect((await call('POST', '/destinations', body)).status).toBe(201);

    const patched = await call('PATCH', `/destinations/${body.id}`, {
      mapping: { email: keys.email, updated_at: keys.plan },
    });

    expect(patched.status).toBe(400);
    expect(patched.body.error.message).toBe(
      'mapping.updated_at: "updated_at" is written by Outflow itself and cannot be mapped',
    );
    const stored = await call('GET', `/destinations/${body.id}`);
    expect(stored.body.mapping).toEqual({ email: keys.email, plan: keys.plan });
  });

  it('lists the reserved fields and the name rule in the mapping options', async () => {
    const body = destination(appId, { email: keys.email });
    expect((await call('POST', '/destinations', body)).status).toBe(201);

    const res = await call('GET', `/destinations/${body.id}/mapping-options`);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      reservedFields: ['updated_at', 'groups'],
      fieldNamePattern: {
        pattern: '^[a-zA-Z_][a-zA-Z0-9_]{0,62}$',
        description: expect.stringContaining('Postgres column name'),
      },
    });
  });
});

describe('a postgres destination whose database cannot be reached or refuses', () => {
  const mapping = { email: keys.email };

  it('answers 422 naming the database when the password is wrong, never the password', async () => {
    const appId = await postgresApp(targetWith({ password }));
    const body = await refused(destination(appId, mapping), 422);

    expect(body.error.message).toBe(
      `Postgres database "${database}" on ${where} refused: ` +
        `password authentication failed for user "${user}"`,
    );
    expect(JSON.stringify(body)).not.toContain(password);
  });

  it('answers 422 naming a database that does not exist', async () => {
    const db = uid('no_such_db');
    const appId = await postgresApp(targetWith({ db }));
    const body = await refused(destination(appId, mapping), 422);

    expect(body.error.message).toBe(
      `Postgres database "${db}" on ${where} refused: database "${db}" does not exist`,
    );
    if (target.password) {
      expect(JSON.stringify(body)).not.toContain(decodeURIComponent(target.password));
    }
  });

  it('answers 422 naming a schema that does not exist, which Outflow does not create', async () => {
    const appId = await postgresApp(targetUrl(), 'no_such_schema');
    const body = await refused(destination(appId, mapping), 422);

    expect(body.error.message).toBe(
      `Postgres database "${database}" on ${where} has no schema "no_such_schema": ` +
        "Outflow does not create schemas; create it or change the app's schema",
    );
  });

  it('answers 502 when the port refuses connections, never showing the password', async () => {
    const port = await freePort();
    const appId = await postgresApp(targetWith({ password, port }));
    const body = await refused(destination(appId, mapping), 502);

    expect(body.error.message).toBe(
      `could not reach Postgres database "${database}" on ${target.hostname}:${port}: ` +
        'connection refused',
    );
    expect(JSON.stringify(body)).not.toContain(password);
  });

  it('answers 502 when the host name does not resolve', async () => {
    const appId = await postgresApp(targetWith({ password, host: 'no-such-host.invalid' }));
    const body = await refused(destination(appId, mapping), 502);

    expect(body.error.message).toBe(
      `could not reach Postgres database "${database}" on no-such-host.invalid:` +
        `${target.port || '5432'}: host not found`,
    );
  });

  it('answers 502 when the server never answers, after the connect timeout', async () => {
    // Accepts connections and says nothing, as a firewall that drops packets would.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    const port = await new Promise<number>((resolve) =>
      silent.listen(0, '127.0.0.1', () => resolve((silent.address() as { port: number }).port)),
    );
    try {
      const appId = await postgresApp(targetWith({ password, host: '127.0.0.1', port }));
      const body = await refused(destination(appId, mapping), 502);

      expect(body.error.message).toBe(
        `could not reach Postgres database "${database}" on 127.0.0.1:${port}: ` +
          'connection timed out',
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
