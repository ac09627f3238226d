import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../lib/config';
import { runningSystem } from './running';

/**
 * The database the command-line tools talk to by default: `DATABASE_URL`, else the embedded
 * Postgres that `npm start` runs from the data dir (its password is kept there), on the port
 * it runs on.
 */
export function localDatabaseUrl(config: Config): string {
  if (config.DATABASE_URL) return config.DATABASE_URL;
  const port = runningSystem(config)?.postgresPort ?? config.OUTFLOW_PG_PORT;
  const passwordFile = path.join(path.resolve(config.OUTFLOW_DATA_DIR), 'postgres-password');
  const password = existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8').trim() : '';
  const auth = password ? `postgres:${encodeURIComponent(password)}` : 'postgres';
  return `postgres://${auth}@127.0.0.1:${port}/outflow`;
}

/** The Temporal server the tools talk to: `TEMPORAL_ADDRESS`, else the one `npm start` runs. */
export function localTemporalAddress(config: Config): string {
  return (
    config.TEMPORAL_ADDRESS ??
    runningSystem(config)?.temporalAddress ??
    `127.0.0.1:${config.TEMPORAL_PORT}`
  );
}

/** The API the tools talk to: the one `npm start` runs from the data dir, else `PORT`. */
export function localApiUrl(config: Config): string {
  return runningSystem(config)?.apiUrl ?? `http://127.0.0.1:${config.PORT}`;
}
