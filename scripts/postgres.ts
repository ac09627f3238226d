import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import type { Config } from '../lib/config';
import { logger } from '../lib/logger';
import { postgresBinaries, postgresUserIds, runsAsRoot } from './postgres-binaries';
import { hasExited, sleep, spawnServer, stopChild, stopOrphan, tail } from './processes';

const log = logger.child({ component: 'postgres' });
const run = promisify(execFile);
const databaseName = 'outflow';
const user = 'postgres';

export interface RunningPostgres {
  /** connection string of the `outflow` database */
  url: string;
  /** stops the embedded server; does nothing when `DATABASE_URL` was given */
  stop(): Promise<void>;
}

/**
 * Returns `DATABASE_URL` when set. Otherwise runs the embedded Postgres kept in
 * `<OUTFLOW_DATA_DIR>/postgres` on `OUTFLOW_PG_PORT` (initialised on first use) and makes
 * sure the `outflow` database exists.
 */
export async function ensurePostgres(config: Config): Promise<RunningPostgres> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, stop: async () => {} };

  const dataDir = path.resolve(config.OUTFLOW_DATA_DIR);
  const clusterDir = path.join(dataDir, 'postgres');
  const port = config.OUTFLOW_PG_PORT;
  await mkdir(dataDir, { recursive: true });

  const password = existsSync(path.join(clusterDir, 'PG_VERSION'))
    ? await readPassword(dataDir, clusterDir)
    : await initialiseCluster(dataDir, clusterDir);
  await stopLeftoverServer(clusterDir);

  const logFile = path.join(dataDir, 'postgres.log');
  // SIGINT is Postgres's fast shutdown: sessions end, nothing committed is lost.
  const { child, release } = await spawnServer(
    (await postgresBinaries()).postgres,
    [
      ...['-D', clusterDir, '-p', String(port)],
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      // Keep personal data out of the server log: no DETAIL lines (a unique violation quotes
      // the email), no failing statements with their values, and no ERROR lines at all (a
      // value refused by a column's type is quoted in the message itself). Clients get every
      // error anyway; the log keeps start-up, checkpoints, FATAL and PANIC.
      ...['-c', 'log_error_verbosity=terse', '-c', 'log_min_error_statement=panic'],
      ...['-c', 'log_min_messages=log'],
    ],
    {
      logFile,
      stopSignal: 'SIGINT',
      ...(runsAsRoot() ? await postgresUserIds() : {}),
    },
  );
  const stop = async () => {
    release();
    await stopChild(child, 'SIGINT');
  };

  try {
    await waitUntilReady(child, { port, password }, logFile);
    await createDatabaseIfMissing({ port, password });
  } catch (err) {
    await stop();
    throw err;
  }
  log.info({ port, dataDir: clusterDir }, 'embedded Postgres is ready');
  return { url: `postgres://${user}:${password}@127.0.0.1:${port}/${databaseName}`, stop };
}

function passwordFile(dataDir: string): string {
  return path.join(dataDir, 'postgres-password');
}

async function readPassword(dataDir: string, clusterDir: string): Promise<string> {
  try {
    return (await readFile(passwordFile(dataDir), 'utf8')).trim();
  } catch (cause) {
    throw new Error(
      `found the Postgres cluster ${clusterDir} but not its password file ${passwordFile(dataDir)}: ` +
        `delete ${clusterDir} to start afresh, or set DATABASE_URL`,
      { cause },
    );
  }
}

/** Creates the cluster with a random password; a half-made folder from a crash is replaced. */
async function initialiseCluster(dataDir: string, clusterDir: string) {
  log.info({ dataDir: clusterDir }, 'initialising the embedded Postgres cluster');
  await rm(clusterDir, { recursive: true, force: true });
  const password = randomBytes(16).toString('hex');
  await writeFile(passwordFile(dataDir), `${password}\n`, { mode: 0o600 });

  const ids = runsAsRoot() ? await postgresUserIds() : undefined;
  await mkdir(clusterDir, { recursive: true, mode: 0o700 });
  // initdb reads the password from a file that only its user may read, removed right after.
  const pwFile = path.join(dataDir, `.initdb-pw-${process.pid}`);
  await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
  if (ids) {
    await chown(clusterDir, ids.uid, ids.gid);
    await chown(pwFile, ids.uid, ids.gid);
  }
  const { initdb } = await postgresBinaries();
  try {
    await run(
      initdb,
      [
        `--pgdata=${clusterDir}`,
        '--auth=scram-sha-256',
        `--username=${user}`,
        `--pwfile=${pwFile}`,
        '--encoding=UTF8',
        // Code-point order as C, but Unicode case mapping for iLike and lower() ("É" ~ "é"),
        // from Postgres itself rather than the operating system's locales.
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
      ],
      ids ?? {},
    );
  } catch (err) {
    await rm(clusterDir, { recursive: true, force: true });
    const stderr = (err as { stderr?: string }).stderr ?? '';
    const hint = ids
      ? ` (as root, Postgres runs as the "postgres" user, who must be able to enter every folder` +
        ` above ${clusterDir}: set OUTFLOW_DATA_DIR to such a folder, or DATABASE_URL)`
      : '';
    throw new Error(`initdb failed: ${stderr.trim() || (err as Error).message}${hint}`, {
      cause: err,
    });
  } finally {
    await rm(pwFile, { force: true });
  }
  return password;
}

/**
 * After a crash the lock file `postmaster.pid` may name a server of ours that still runs
 * (its parent was killed) or a process id now used by something else. Stop the former;
 * remove the lock file in both cases, as Postgres refuses to start while the id is in use.
 */
async function stopLeftoverServer(clusterDir: string): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]);
  if (await stopOrphan(pid, clusterDir, 'SIGINT')) {
    log.warn({ serverPid: pid }, 'stopped a Postgres server left running by an earlier run');
  }
  await rm(pidFile, { force: true });
}

interface Server {
  port: number;
  password: string;
}

function connect({ port, password }: Server, database: string) {
  return postgres({
    host: '127.0.0.1',
    port,
    user,
    password,
    database,
    max: 1,
    connect_timeout: 2,
    onnotice: () => {},
  });
}

async function waitUntilReady(child: ChildProcess, server: Server, logFile: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (hasExited(child)) {
      throw new Error(
        `Postgres exited during start-up; its log ${logFile} ends:\n${await tail(logFile)}`,
      );
    }
    const sql = connect(server, 'postgres');
    try {
      await sql`select 1`;
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`Postgres did not accept connections within 60 s (log: ${logFile})`, {
          cause: err,
        });
      }
    } finally {
      await sql.end({ timeout: 1 });
    }
    await sleep(200);
  }
}

async function createDatabaseIfMissing(server: Server) {
  const sql = connect(server, 'postgres');
  try {
    const found = await sql`select 1 from pg_database where datname = ${databaseName}`;
    if (found.length === 0) await sql.unsafe(`create database ${databaseName}`);
  } finally {
    await sql.end({ timeout: 1 });
  }
}
