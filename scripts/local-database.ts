import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../lib/config';

/**
 * The database the command-line tools talk to by default: `DATABASE_URL`, else the embedded
 * Postgres that `npm start` runs from the data dir (its password is kept there).
 */
export function localDatabaseUrl(config: Config): string {
  if (config.DATABASE_URL) return config.DATABASE_URL;
  const passwordFile = path.join(path.resolve(config.OUTFLOW_DATA_DIR), 'postgres-password');
  const password = existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8').trim() : '';
  const auth = password ? `postgres:${encodeURIComponent(password)}` : 'postgres';
  return `postgres://${auth}@127.0.0.1:${config.OUTFLOW_PG_PORT}/outflow`;
}
