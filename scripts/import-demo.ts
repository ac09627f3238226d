import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { asConnectionFailure } from '../connectors/postgres/errors';
import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { apiClient } from './api-client';
import { ensureDemoTarget, importProfiles, setUpDemo } from './demo';
import { loadDemoProfiles } from './demo-data';
import { localApiUrl, localDatabaseUrl } from './local-database';

/**
 * `npm run import-demo`: loads Grouparoo's demo users and purchases into a running Outflow
 * through its API, creating the demo's properties, groups and Postgres destinations first.
 * Safe to re-run: unchanged profiles are not exported again.
 */
const config = loadConfig();
const program = new Command('import-demo')
  .description("Import Grouparoo's demo dataset into a running Outflow")
  .option('--api-url <url>', 'the API to talk to', localApiUrl(config))
  .option('--api-key <key>', 'bearer key (default: OUTFLOW_API_KEY or <data dir>/api-key)')
  .option(
    '--database-url <url>',
    'Postgres server that will hold the demo destination tables',
    localDatabaseUrl(config),
  )
  .parse();

/** A problem the person running the command can fix: said in one line, without a stack. */
class Plain extends Error {
  override name = 'Plain';
}

/** fetch's own error hides the socket's code in its cause. */
const refused = (err: unknown): boolean => {
  for (let e = err as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e)
    if (e.code === 'ECONNREFUSED') return true;
  return false;
};

/** The key `npm start` wrote; without it, say how to give one rather than show an ENOENT. */
async function keyOfLocalStart(): Promise<string> {
  const file = path.join(path.resolve(config.OUTFLOW_DATA_DIR), 'api-key');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    throw new Plain(`no API key: pass --api-key or set OUTFLOW_API_KEY (npm start writes ${file})`);
  }
}

async function main(): Promise<void> {
  const opts = program.opts<{ apiUrl: string; apiKey?: string; databaseUrl: string }>();
  const apiKey = opts.apiKey ?? config.OUTFLOW_API_KEY ?? (await keyOfLocalStart());
  const api = apiClient(opts.apiUrl, apiKey);
  const targetUrl = await ensureDemoTarget(opts.databaseUrl).catch((err: unknown) => {
    const failure = asConnectionFailure(err, opts.databaseUrl);
    if (failure === err) throw err;
    throw new Plain(
      `${(failure as Error).message}: start Outflow (npm start), or give --database-url or ` +
        'DATABASE_URL',
    );
  });
  await setUpDemo(api, targetUrl).catch((err: unknown) => {
    if (!refused(err)) throw err;
    throw new Plain(
      `cannot reach the Outflow API at ${opts.apiUrl}: start Outflow, or give --api-url`,
    );
  });
  const profiles = await loadDemoProfiles();
  const changed = await importProfiles(api, profiles);
  logger.info(
    { profiles: profiles.length, changed, unchanged: profiles.length - changed },
    'demo import finished',
  );
}

main().catch((err: unknown) => {
  if (err instanceof Plain) logger.error(err.message);
  else logger.error({ err }, 'demo import failed');
  process.exit(1);
});
