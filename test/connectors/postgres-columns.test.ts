import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../connectors/builtin';
import { closePostgresPools } from '../../connectors/postgres';
import { properties } from '../../db/schema';
import { testDb } from '../helpers/db';
import { ensureProperties, keys, uid, upsertProfile } from '../helpers/fixtures';
import { startToolDestination } from '../helpers/tool-destination';
import { startTestWorker, type TestWorker } from '../helpers/worker';
import { inspector, targetUrl, uniqueName } from './postgres-fixtures';

/**
 * A table Outflow creates gets one column per mapped field, of the type of the property
 * behind it: never guessed from the first value, and whole arrays for array properties.
 */

const { db } = testDb();
const target = inspector();
const tables: string[] = [];
const own = { note: uid('note'), visits: uid('visits'), tags: uid('tags') };
let tw: TestWorker;

beforeAll(async () => {
  await ensureProperties(db);
  await db.insert(properties).values([
    { key: own.note, type: 'string' },
    { key: own.visits, type: 'integer' },
    { key: own.tags, type: 'string', isArray: true },
  ]);
  tw = await startTestWorker(db);
});
afterAll(async () => {
  await tw?.stop();
  for (const table of tables) await target`drop table if exists ${target(table)}`;
  await target.end();
  await closePostgresPools();
});

async function columnsOf(table: string) {
  const rows = await target<{ name: string; type: string }[]>`
    select column_name as name, format_type(a.atttypid, a.atttypmod) as type
    from information_schema.columns c
    join pg_attribute a on a.attrelid = ${table}::regclass and a.attname = c.column_name
    where c.table_name = ${table}`;
  return Object.fromEntries(rows.map((r) => [r.name, r.type]));
}

describe('columns of a table Outflow creates', () => {
  it('types each column by its property, and keeps every element of an array', async () => {
    const table = uniqueName('pg_cols');
    tables.push(table);
    const destination = await startToolDestination(db, tw, {
      type: 'postgres',
      mapping: { email: keys.email, note: own.note, visits: own.visits, tags: own.tags },
      appOptions: { connectionString: targetUrl(), schema: 'public' },
      destinationOptions: { table, keyColumn: 'email', createTable: true },
    });
    // The first note looks like a date, the first visit count is whole: neither decides.
    const first = uid('prf');
    await upsertProfile(db, first, {
      [keys.email]: `${first}@x.io`,
      [own.note]: '2021-01-01',
      [own.visits]: 3,
      [own.tags]: ['x', 'ü', 'z'],
    });
    await destination.pass([first]);
    expect(await destination.settled(first, 1)).toMatchObject({ state: 'complete' });
    const second = uid('prf');
    await upsertProfile(db, second, { [keys.email]: `${second}@x.io`, [own.note]: 'hello' });
    await destination.pass([second]);
    expect(await destination.settled(second, 1)).toMatchObject({ state: 'complete' });

    expect(await columnsOf(table)).toMatchObject({
      note: 'text',
      visits: 'bigint',
      tags: 'text[]',
    });
    const rows = await target`select email, note, visits, tags from ${target(table)} order by note`;
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { email: `${first}@x.io`, note: '2021-01-01', visits: '3', tags: ['x', 'ü', 'z'] },
      { email: `${second}@x.io`, note: 'hello', visits: null, tags: null },
    ]);
  });
});
