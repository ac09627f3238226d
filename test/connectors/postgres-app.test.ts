import { afterAll, describe, expect, it } from 'vitest';
import { closePostgresPools, postgresConnector } from '../../connectors/postgres';
import { context, inspector, targetUrl, uniqueName } from './postgres-fixtures';

const db = inspector();
const tables: string[] = [];

afterAll(async () => {
  for (const table of tables) await db`drop table if exists ${db(table)}`;
  await db.end();
  await closePostgresPools();
});

/** The target URL with a password in it (trust auth accepts any), and that password. */
function urlWithPassword(): { url: string; password: string } {
  const parsed = new URL(targetUrl());
  if (!parsed.password) parsed.password = 'S3cret-pa55word';
  return { url: parsed.toString(), password: decodeURIComponent(parsed.password) };
}

describe('postgres connector app and options', () => {
  it('reads mapping options from an existing table', async () => {
    const table = uniqueName('pg_app');
    tables.push(table);
    await db`create table ${db(table)} (
      email text primary key, name varchar(80), age integer, ltv numeric, vip boolean,
      joined date, tags text[], extra jsonb, groups text[], updated_at timestamptz)`;

    const options = await postgresConnector.mappingOptions(context({ table, createTable: false }));

    expect(options).toEqual({
      required: [{ key: 'email', type: 'any', important: true }],
      known: [
        { key: 'name', type: 'string' },
        { key: 'age', type: 'integer' },
        { key: 'ltv', type: 'float' },
        { key: 'vip', type: 'boolean' },
        { key: 'joined', type: 'date' },
        { key: 'tags', type: 'string' },
        { key: 'extra', type: 'any' },
      ],
      allowCustomFields: false,
      arrayFields: ['tags'],
      customFieldsTakeArrays: false,
      reservedFields: ['updated_at', 'groups'],
      fieldNamePattern: {
        pattern: '^[a-zA-Z_][a-zA-Z0-9_]{0,62}$',
        description:
          'a Postgres column name (letters, digits and _, not starting with a digit; at most 63)',
      },
    });
  });

  it('leaves out columns whose names Outflow cannot write', async () => {
    const table = uniqueName('pg_app');
    tables.push(table);
    await db`create table ${db(table)} (
      email text primary key, "full name" text, plan text, groups text[])`;

    const options = await postgresConnector.mappingOptions(context({ table, createTable: false }));

    expect(options.known).toEqual([{ key: 'plan', type: 'string' }]);
  });

  it('refuses a table it may not create that lacks what every export writes', async () => {
    const table = uniqueName('pg_app');
    tables.push(table);
    const ask = () => postgresConnector.mappingOptions(context({ table, createTable: false }));
    await expect(ask()).rejects.toThrow(`table "public.${table}" does not exist`);
    await db`create table ${db(table)} (id text primary key, ref uuid)`;
    await expect(ask()).rejects.toThrow(`table "public.${table}" has no key column "email"`);
    await db`alter table ${db(table)} add column email text unique`;
    await expect(ask()).rejects.toThrow(
      `table "public.${table}" has no groups column "groups" (text[])`,
    );
    await db`alter table ${db(table)} add column groups text[]`;
    await expect(ask()).resolves.toMatchObject({ known: [{ key: 'id' }, { key: 'ref' }] });
  });

  it('allows custom fields for a table it will create', async () => {
    const options = await postgresConnector.mappingOptions(
      context({ table: uniqueName('pg_none') }),
    );

    expect(options).toMatchObject({ known: [], allowCustomFields: true, arrayFields: [] });
  });

  it('names the database and server version without showing the password', async () => {
    const { url, password } = urlWithPassword();
    const result = await postgresConnector.app.test({
      connectionString: url,
      schema: 'public',
    });

    expect(result.ok).toBe(true);
    expect(result.message).toMatch(/^connected to database "[^"]+" \(PostgreSQL \d+/);
    expect(result.message).not.toContain(password);
  });

  it('reports a failed connection without showing the password', async () => {
    const password = 'An0ther-pa55word';
    const result = await postgresConnector.app.test({
      connectionString: `postgres://postgres:${password}@127.0.0.1:1/nowhere`,
      schema: 'public',
    });

    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/^could not connect: /);
    expect(result.message).not.toContain(password);
  });

  it('reports a schema that does not exist', async () => {
    const result = await postgresConnector.app.test({
      connectionString: targetUrl(),
      schema: 'no_such_schema',
    });

    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('no_such_schema') });
  });

  it('rejects options that are not identifiers, naming the option', () => {
    const parsed = postgresConnector.destinationOptions.safeParse({
      table: 'users; drop table x',
      keyColumn: 'email',
    });

    expect(parsed.error?.issues[0]).toMatchObject({
      path: ['table'],
      message: expect.stringContaining('"users; drop table x"'),
    });
  });

  it('rejects a connection string that is not a postgres URL', () => {
    const parsed = postgresConnector.app.options.safeParse({ connectionString: 'mysql://x' });

    expect(parsed.error?.issues[0]?.path).toEqual(['connectionString']);
  });
});
