import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../lib/config';

/**
 * Where the system `npm start` runs from a data dir can be reached, so the command-line tools
 * (`config`, `import-demo`, `replay`) find it on whatever ports it was given, rather than on
 * the defaults, where another copy may be running. Written once everything is up, removed on
 * shutdown; a file left by a process that died is ignored.
 */
export interface RunningSystem {
  pid: number;
  apiUrl: string;
  temporalAddress: string;
  /** the embedded Postgres' port; null when the system runs on DATABASE_URL */
  postgresPort: number | null;
}

const fileOf = (config: Config) => path.join(path.resolve(config.OUTFLOW_DATA_DIR), 'running.json');

export async function recordRunning(config: Config, system: RunningSystem): Promise<void> {
  await writeFile(fileOf(config), `${JSON.stringify(system, null, 2)}\n`, { mode: 0o600 });
}

export async function forgetRunning(config: Config): Promise<void> {
  await rm(fileOf(config), { force: true });
}

/** The system running from this data dir, if its process is alive. */
export function runningSystem(config: Config): RunningSystem | undefined {
  let system: RunningSystem;
  try {
    system = JSON.parse(readFileSync(fileOf(config), 'utf8')) as RunningSystem;
    process.kill(system.pid, 0);
  } catch {
    return undefined;
  }
  return system;
}
