import { afterAll, describe, expect, it } from 'vitest';
import { closePostgresPools, postgresConnector } from '../../connectors/postgres';
import type { ExportChange } from '../../connectors/types';
import type { SyncMode } from '../../lib/domain';
import { change, context, inspector, uniqueName, type DestinationInput } from './postgres-fixtures';

const db = inspector();
const tables: string[] = [];

afterAll(async () => {
  for (const table of tables) await db`drop table if exists ${db(table)}`;
  await db.end();
  await closePostgresPools();
});

function newTable(): string {
  const table = uniqueName('pg_export');
  tables.push(table);
  return table;
}

function send(destination: DestinationInput, changes: ExportChange[], mode: SyncMode = 'sync') {
  return postgresConnector.exportBatch(context(destination, mode), changes);
}

async function rows(table: string) {
  return db`select * from ${db(table)} order by email`;
}

describe('postgres connector export', () => {
  it('creates the table and a typed column for each field on first export', async () => {
    const table = newTable();
    const outcomes = await send({ table }, [
      change('p1', {
        email: 'ann@example.com',
        name: 'Ann',
        ltv: 120.5,
        vip: true,
        joined_at: '2024-03-01T10:00:00.000Z',
      }),
    ]);

    expect(outcomes).toEqual([{ profileId: 'p1', status: 'complete' }]);
    const types = await db`
      select column_name, data_type from information_schema.columns
      where table_name = ${table} order by column_name`;
    expect(Object.fromEntries(types.map((c) => [c.column_name, c.data_type]))).toEqual({
      email: 'text',
      groups: 'ARRAY',
      joined_at: 'timestamp with time zone',
      ltv: 'double precision',
      name: 'text',
      updated_at: 'timestamp with time zone',
      vip: 'boolean',
    });
    const [row] = await rows(table);
    expect(row).toMatchObject({ email: 'ann@example.com', name: 'Ann', ltv: 120.5, vip: true });
    expect(row!.joined_at.toISOString()).toBe('2024-03-01T10:00:00.000Z');
  });

  it('updates a row and clears a field that is no longer sent', async () => {
    const table = newTable();
    await send({ table }, [change('p1', { email: 'bo@example.com', name: 'Bo', city: 'Oslo' })]);
    const outcomes = await send({ table }, [
      change(
        'p1',
        { email: 'bo@example.com', name: 'Bob' },
        { oldProperties: { email: 'bo@example.com', name: 'Bo', city: 'Oslo' } },
      ),
    ]);

    expect(outcomes[0]!.status).toBe('complete');
    expect(await rows(table)).toMatchObject([{ email: 'bo@example.com', name: 'Bob', city: null }]);
  });

  it('keeps 0 and false as values', async () => {
    const table = newTable();
    await send({ table }, [change('p1', { email: 'cy@example.com', visits: 3, active: true })]);
    await send({ table }, [
      change(
        'p1',
        { email: 'cy@example.com', visits: 0, active: false },
        { oldProperties: { email: 'cy@example.com', visits: 3, active: true } },
      ),
    ]);

    expect(await rows(table)).toMatchObject([{ visits: 0, active: false }]);
  });

  it('writes the remote groups into the groups column', async () => {
    const table = newTable();
    await send({ table }, [
      change('p1', { email: 'di@example.com' }, { newGroups: ['High Value', 'VIP'] }),
    ]);
    await send({ table }, [
      change(
        'p1',
        { email: 'di@example.com' },
        {
          oldProperties: { email: 'di@example.com' },
          oldGroups: ['High Value', 'VIP'],
          newGroups: ['VIP'],
        },
      ),
    ]);

    expect(await rows(table)).toMatchObject([{ email: 'di@example.com', groups: ['VIP'] }]);
  });

  it('writes the remote groups as rows of a groups table when one is named', async () => {
    const table = newTable();
    const groupsTable = newTable();
    const destination = { table, groupsTable };
    await send(destination, [change('p1', { email: 'ed@example.com' }, { newGroups: ['A', 'B'] })]);
    await send(destination, [
      change('p1', { email: 'ed@example.com' }, { oldGroups: ['A', 'B'], newGroups: ['B', 'C'] }),
    ]);

    const memberships = await db`
      select email, group_name from ${db(groupsTable)} order by group_name`;
    expect(memberships).toEqual([
      { email: 'ed@example.com', group_name: 'B' },
      { email: 'ed@example.com', group_name: 'C' },
    ]);
    const columns = await db`select column_name from information_schema.columns
      where table_name = ${table}`;
    expect(columns.map((c) => c.column_name)).not.toContain('groups');
  });

  it('deletes the row and its group rows under sync', async () => {
    const table = newTable();
    const groupsTable = newTable();
    const destination = { table, groupsTable };
    await send(destination, [
      change('p1', { email: 'fa@example.com' }, { newGroups: ['A'] }),
      change('p2', { email: 'gu@example.com' }, { newGroups: ['A'] }),
    ]);
    const outcomes = await send(destination, [
      change('p1', { email: 'fa@example.com' }, { toDelete: true, oldGroups: ['A'] }),
    ]);

    expect(outcomes[0]!.status).toBe('complete');
    expect((await rows(table)).map((r) => r.email)).toEqual(['gu@example.com']);
    expect((await db`select email from ${db(groupsTable)}`).map((r) => r.email)).toEqual([
      'gu@example.com',
    ]);
  });

  it('never deletes under additive', async () => {
    const table = newTable();
    await send({ table }, [change('p1', { email: 'hu@example.com' })]);
    const outcomes = await send(
      { table },
      [change('p1', { email: 'hu@example.com' }, { toDelete: true })],
      'additive',
    );

    expect(outcomes[0]).toMatchObject({ status: 'failed', level: 'info' });
    expect(await rows(table)).toHaveLength(1);
  });

  it('updates existing rows but creates none under enrich', async () => {
    const table = newTable();
    await send({ table }, [change('p1', { email: 'ida@example.com', name: 'Ida' })]);
    const outcomes = await send(
      { table },
      [
        change('p1', { email: 'ida@example.com', name: 'Ida B.' }),
        change('p2', { email: 'jo@example.com', name: 'Jo' }),
      ],
      'enrich',
    );

    expect(outcomes).toEqual([
      { profileId: 'p1', status: 'complete' },
      {
        profileId: 'p2',
        status: 'failed',
        level: 'info',
        message: 'not created: enrich mode only updates existing rows',
      },
    ]);
    expect(await rows(table)).toMatchObject([{ email: 'ida@example.com', name: 'Ida B.' }]);
  });
});
