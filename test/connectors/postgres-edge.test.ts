import { afterAll, describe, expect, it } from 'vitest';
import { closePostgresPools, postgresConnector } from '../../connectors/postgres';
import {
  RemoteRefusedError,
  RemoteUnavailableError,
  type ExportChange,
} from '../../connectors/types';
import type { SyncMode } from '../../lib/domain';
import {
  change,
  context,
  inspector,
  targetUrl,
  uniqueName,
  type DestinationInput,
} from './postgres-fixtures';

const db = inspector();
const tables: string[] = [];

afterAll(async () => {
  for (const table of tables) await db`drop table if exists ${db(table)}`;
  await db.end();
  await closePostgresPools();
});

function newTable(): string {
  const table = uniqueName('pg_edge');
  tables.push(table);
  return table;
}

function send(destination: DestinationInput, changes: ExportChange[], mode: SyncMode = 'sync') {
  return postgresConnector.exportBatch(context(destination, mode), changes);
}

async function emails(table: string) {
  return (await db`select email from ${db(table)} order by email`).map((r) => r.email);
}

describe('postgres connector identifiers and failures', () => {
  it('moves the row when the key value changes instead of leaving the old one behind', async () => {
    const table = newTable();
    const groupsTable = newTable();
    const destination = { table, groupsTable };
    await send(destination, [
      change('p1', { email: 'old@example.com', name: 'Kim' }, { newGroups: ['A'] }),
    ]);
    const outcomes = await send(destination, [
      change(
        'p1',
        { email: 'new@example.com', name: 'Kim' },
        {
          oldProperties: { email: 'old@example.com', name: 'Kim' },
          oldGroups: ['A'],
          newGroups: ['A'],
        },
      ),
    ]);

    expect(outcomes[0]!.status).toBe('complete');
    expect(await emails(table)).toEqual(['new@example.com']);
    expect(await db`select email, group_name from ${db(groupsTable)}`).toEqual([
      { email: 'new@example.com', group_name: 'A' },
    ]);
  });

  it('deletes the old row under sync when the new key value is already taken', async () => {
    const table = newTable();
    await send({ table }, [
      change('p1', { email: 'lee@example.com' }),
      change('p2', { email: 'taken@example.com' }),
    ]);
    await send({ table }, [
      change('p1', { email: 'taken@example.com' }, { oldProperties: { email: 'lee@example.com' } }),
    ]);

    expect(await emails(table)).toEqual(['taken@example.com']);
  });

  it('fails only the profile whose value does not fit its column', async () => {
    const table = newTable();
    await db`create table ${db(table)} (email text primary key, age integer, groups text[])`;
    const outcomes = await send({ table, createTable: false }, [
      change('p1', { email: 'mo@example.com', age: 31 }),
      change('p2', { email: 'ned@example.com', age: 'thirty' }),
      change('p3', { email: 'oz@example.com', age: 40 }),
    ]);

    expect(outcomes.map((o) => o.status)).toEqual(['complete', 'failed', 'complete']);
    expect(outcomes[1]).toMatchObject({
      level: 'error',
      message: expect.stringContaining('integer'),
    });
    expect(await emails(table)).toEqual(['mo@example.com', 'oz@example.com']);
  });

  it('fails a profile that has no value for the key column', async () => {
    const table = newTable();
    const outcomes = await send({ table }, [
      change('p1', { name: 'No Email' }),
      change('p2', { email: 'pat@example.com' }),
    ]);

    expect(outcomes[0]).toEqual({
      profileId: 'p1',
      status: 'failed',
      level: 'error',
      message: 'no value for key column email',
    });
    expect(await emails(table)).toEqual(['pat@example.com']);
  });

  it('writes a batch of 500 profiles in one call', async () => {
    const table = newTable();
    const changes = Array.from({ length: 500 }, (_, i) =>
      change(`p${i}`, { email: `u${i}@example.com`, n: i, tier: i % 2 === 0 ? 'even' : 'odd' }),
    );
    const outcomes = await send({ table }, changes);

    expect(outcomes.every((o) => o.status === 'complete')).toBe(true);
    const [count] = await db`select count(*)::int as n, sum(n)::int as total from ${db(table)}`;
    expect(count).toEqual({ n: 500, total: (499 * 500) / 2 });
  });

  it('throws when the target database cannot be reached, so the batch is retried', async () => {
    const ctx = context({ table: newTable() });
    ctx.appOptions = { connectionString: 'postgres://postgres:pw@127.0.0.1:1/x', schema: 'public' };

    const error = await postgresConnector
      .exportBatch(ctx, [change('p1', { email: 'q@example.com' })])
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RemoteUnavailableError);
    expect((error as Error).message).toBe(
      'could not reach Postgres database "x" on 127.0.0.1:1: connection refused',
    );
  });

  it('throws a refused login rather than failing every profile for good', async () => {
    const ctx = context({ table: newTable() });
    const url = new URL(targetUrl());
    url.password = 'Wr0ng-pa55word-in-batch';
    ctx.appOptions = { connectionString: url.toString(), schema: 'public' };

    const error = await postgresConnector
      .exportBatch(ctx, [change('p1', { email: 'r@example.com' })])
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RemoteRefusedError);
    expect((error as Error).message).toMatch(/ refused: password authentication failed for user/);
    expect((error as Error).message).not.toContain('Wr0ng-pa55word-in-batch');
  });

  it('throws when the schema to create the table in does not exist', async () => {
    const ctx = context({ table: newTable() });
    ctx.appOptions = { connectionString: targetUrl(), schema: 'no_such_schema' };

    const error = await postgresConnector
      .exportBatch(ctx, [change('p1', { email: 's@example.com' })])
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RemoteRefusedError);
    expect((error as Error).message).toMatch(/ refused: schema "no_such_schema" does not exist$/);
  });
});
