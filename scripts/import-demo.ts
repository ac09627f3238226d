import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { apiClient } from './api-client';
import { ensureDemoTarget, importProfiles, setUpDemo } from './demo';
import { loadDemoProfiles } from './demo-data';
import { localDatabaseUrl } from './local-database';

/**
 * `npm run import-demo`: loads Grouparoo's demo users and purchases into a running Outflow
 * through its API, creating the demo's properties, groups and Postgres destinations first.
 * Safe to re-run: unchanged profiles are not exported again.
 */
const config = loadConfig();
const program = new Command('import-demo')
  .description("Import Grouparoo's demo dataset into a running Outflow")
  .option('--api-url <url>', 'the API to talk to', `http://127.0.0.1:${config.PORT}`)
  .option('--api-key <key>', 'bearer key (default: OUTFLOW_API_KEY or <data dir>/api-key)')
  .option(
    '--database-url <url>',
    'Postgres server that will hold the demo destination tables',
    localDatabaseUrl(config),
  )
  .parse();

class MissingApiKey extends Error {
  override name = 'MissingApiKey';
}

/** The key `npm start` wrote; without it, say how to give one rather than show an ENOENT. */
async function keyOfLocalStart(): Promise<string> {
  const file = path.join(path.resolve(config.OUTFLOW_DATA_DIR), 'api-key');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    throw new MissingApiKey(
      `no API key: pass --api-key or set OUTFLOW_API_KEY (npm start writes ${file})`,
    );
  }
}

async function main(): Promise<void> {
  const opts = program.opts<{ apiUrl: string; apiKey?: string; databaseUrl: string }>();
  const apiKey = opts.apiKey ?? config.OUTFLOW_API_KEY ?? (await keyOfLocalStart());
  const api = apiClient(opts.apiUrl, apiKey);
  const targetUrl = await ensureDemoTarget(opts.databaseUrl);
  await setUpDemo(api, targetUrl);
  const profiles = await loadDemoProfiles();
  const changed = await importProfiles(api, profiles);
  logger.info(
    { profiles: profiles.length, changed, unchanged: profiles.length - changed },
    'demo import finished',
  );
}

main().catch((err: unknown) => {
  if (err instanceof MissingApiKey) logger.error(err.message);
  else logger.error({ err }, 'demo import failed');
  process.exit(1);
});
