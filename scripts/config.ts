import { Client, Connection } from '@temporalio/client';
import { Command } from 'commander';
import { sql } from 'drizzle-orm';
import { closePostgresPools } from '../connectors/builtin';
import { formatReport, runConfig, type RunOptions } from '../config';
import { readConfigDir } from '../config/sources';
import { createDb } from '../db/client';
import { runMigrations } from '../db/migrate';
import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { targetName } from '../connectors/postgres/errors';
import { localDatabaseUrl, localTemporalAddress } from './local-database';

/**
 * `npm run config -- validate <dir...>` and `npm run config -- apply <dir...> [--prune]
 * [--dry-run]`: configuration as code against Outflow's database, through the API's own write
 * paths. Several directories are read as one configuration (e.g. Grouparoo's files plus one of
 * your own with the apps they refer to). Prints one line per object; exits 1 when anything is
 * invalid (then nothing changed).
 */
const config = loadConfig();
const defaultDatabase = localDatabaseUrl(config);
const defaultTemporal = localTemporalAddress(config);

async function connectTemporal(
  address: string,
): Promise<{ client?: Client; close: () => Promise<void> }> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: '3s' });
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    return { client, close: () => connection.close() };
  } catch (error) {
    // The outbox holds every change; workers start missing workflows when they start.
    logger.warn(
      { address, err: { message: (error as Error).message } },
      'Temporal unreachable; workflows will catch up',
    );
    return { close: async () => {} };
  }
}

async function run(
  dirs: string[],
  options: RunOptions & { databaseUrl: string; temporalAddress: string },
) {
  // Names stay relative to their directory, prefixed by it when there are several.
  const files = (
    await Promise.all(
      dirs.map(async (dir) =>
        (await readConfigDir(dir)).map((f) =>
          dirs.length === 1 ? f : { ...f, name: `${dir}/${f.name}` },
        ),
      ),
    )
  ).flat();
  const { db, close } = createDb(options.databaseUrl);
  try {
    await db.execute(sql`select 1`);
  } catch {
    await close();
    throw new Error(
      `cannot reach Outflow's ${targetName(options.databaseUrl)}: ` +
        'start Outflow (npm start), or give --database-url or DATABASE_URL',
    );
  }
  // A database that was never started by `npm start` (or is one release behind) still works.
  await runMigrations(db);
  const temporal =
    options.mode === 'apply' && !options.dryRun
      ? await connectTemporal(options.temporalAddress)
      : undefined;
  try {
    // The CLI resolves env references from the environment of the person running it.
    const report = await runConfig(
      { db, config, temporal: temporal?.client },
      { files },
      { ...options, env: process.env },
    );
    for (const line of formatReport(report)) process.stdout.write(`${line}\n`);
    const verdict = !report.ok
      ? 'invalid: nothing was changed'
      : report.committed
        ? 'applied'
        : options.mode === 'apply'
          ? 'dry run: nothing was changed'
          : 'valid';
    process.stdout.write(`${verdict}\n`);
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await temporal?.close();
    // Checking a postgres destination opened a pool to its database; idle, it would keep the
    // process alive for a minute.
    await closePostgresPools();
    await close();
  }
}

const program = new Command('config').description('Outflow configuration as code');
const shared = (cmd: Command) =>
  cmd
    .option('--database-url <url>', "Outflow's database", defaultDatabase)
    .option(
      '--temporal-address <host:port>',
      'Temporal frontend, to wake workflows',
      defaultTemporal,
    );

shared(
  program.command('validate <dir...>').description('check every object without changing anything'),
).action((dirs: string[], opts: { databaseUrl: string; temporalAddress: string }) =>
  run(dirs, { mode: 'validate', ...opts }),
);
shared(
  program
    .command('apply <dir...>')
    .description('create, update (and with --prune delete) objects to match the files')
    .option('--prune', 'delete properties, rule groups, apps and destinations not declared')
    .option('--dry-run', 'print the plan without changing anything'),
).action(
  (
    dirs: string[],
    opts: { prune?: boolean; dryRun?: boolean; databaseUrl: string; temporalAddress: string },
  ) => run(dirs, { mode: 'apply', ...opts }),
);

program.parseAsync().catch((err: unknown) => {
  // A person reads this at the terminal: the message alone, not a JSON log line.
  process.stderr.write(`config: ${(err as Error).message}\n`);
  process.exit(1);
});
