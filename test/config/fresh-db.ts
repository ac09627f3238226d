import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll } from 'vitest';
import { createDb } from '../../db/client';
import { runMigrations } from '../../db/migrate';
import { databaseUrl } from '../helpers/env';

/**
 * A database of the test file's own, migrated, on the test Postgres server. Config tests need
 * it: `--prune` deletes everything not declared, and group sizes count every profile.
 */
export async function freshDb(): Promise<ReturnType<typeof createDb>> {
  const name = `config_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = postgres(databaseUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(databaseUrl());
  url.pathname = `/${name}`;
  const database = createDb(url.toString(), { max: 4 });
  await runMigrations(database.db);
  afterAll(async () => {
    await database.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });
  return database;
}
