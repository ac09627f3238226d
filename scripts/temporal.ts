import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { msToTs, tsToMs } from '@temporalio/common/lib/time';
import type { Config } from '../lib/config';
import { logger } from '../lib/logger';
import { outflowSearchAttributes } from '../lib/search-attributes';
import {
  assertPortFree,
  hasExited,
  sleep,
  spawnServer,
  stopChild,
  stopOrphan,
  tail,
} from './processes';

const log = logger.child({ component: 'temporal' });

/** Later CLI versions carry a `replace` directive and cannot be built with `go install`. */
export const temporalCliVersion = 'v1.5.1';

/** Closed workflow runs stay visible this long (the dev server's default is one day). */
export const retentionDays = 30;

/**
 * Path of the Temporal CLI: `TEMPORAL_CLI`, else the binary cached in
 * `<OUTFLOW_CACHE_DIR>/temporal-<version>`, else built there once with `go install`.
 */
export async function ensureTemporalCli(config: Config): Promise<string> {
  if (config.TEMPORAL_CLI) {
    if (!existsSync(config.TEMPORAL_CLI)) {
      throw new Error(`TEMPORAL_CLI is ${config.TEMPORAL_CLI}, but no such file exists`);
    }
    return config.TEMPORAL_CLI;
  }
  const dir = path.join(config.OUTFLOW_CACHE_DIR, `temporal-${temporalCliVersion}`);
  const binary = path.join(dir, 'temporal');
  if (existsSync(binary)) return binary;

  if (!(await commandSucceeds('go', ['version']))) {
    throw new Error(
      `the Temporal CLI ${temporalCliVersion} is not in ${dir} and Go is not installed to build it: ` +
        'install Go 1.25 or later, or set TEMPORAL_CLI to a temporal binary, ' +
        'or TEMPORAL_ADDRESS to a running Temporal server',
    );
  }
  log.info(
    { dir },
    `building the Temporal CLI ${temporalCliVersion} with go install; this one-time build takes about 6 minutes`,
  );
  // Build beside the final folder and rename, so an interrupted build leaves nothing behind.
  const buildDir = `${dir}.build-${process.pid}`;
  await mkdir(buildDir, { recursive: true });
  try {
    await run('go', ['install', `github.com/temporalio/cli/cmd/temporal@${temporalCliVersion}`], {
      ...process.env,
      GOBIN: buildDir,
    });
    if (!existsSync(binary)) {
      await rm(dir, { recursive: true, force: true });
      await rename(buildDir, dir);
    }
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }
  log.info({ binary }, 'built the Temporal CLI');
  return binary;
}

export interface TemporalOptions {
  /** folder for the SQLite file and the server's log; default `OUTFLOW_DATA_DIR` */
  dataDir?: string;
  /** gRPC port; default `TEMPORAL_PORT` */
  port?: number;
  /** Web UI port; default `TEMPORAL_UI_PORT` */
  uiPort?: number;
  /** start without the Web UI */
  headless?: boolean;
}

export interface RunningTemporal {
  /** host:port of the frontend */
  address: string;
  /** the Web UI, or null when headless or not started by us */
  uiUrl: string | null;
  /** stops the dev server; does nothing for a server given by `TEMPORAL_ADDRESS` */
  stop(): Promise<void>;
}

/**
 * Connects to `TEMPORAL_ADDRESS` when set; otherwise starts the CLI's dev server with its
 * state in `<dataDir>/temporal`. Either way the namespace gets Outflow's search attributes;
 * a dev server we start also gets a retention of `retentionDays`.
 */
export async function startTemporal(
  config: Config,
  options: TemporalOptions = {},
): Promise<RunningTemporal> {
  const namespace = config.TEMPORAL_NAMESPACE;
  if (config.TEMPORAL_ADDRESS) {
    const address = config.TEMPORAL_ADDRESS;
    const connection = await waitForNamespace(address, namespace, () => null);
    try {
      await registerSearchAttributes(connection, namespace);
    } catch (err) {
      // A managed cluster may not let us; workflows then fail to start, so say what to do.
      const names = outflowSearchAttributes.map((key) => key.name);
      log.warn({ err, names }, 'could not register search attributes; register them as Keyword');
    } finally {
      await connection.close();
    }
    return { address, uiUrl: null, stop: async () => {} };
  }

  const cli = await ensureTemporalCli(config);
  const dir = path.join(path.resolve(options.dataDir ?? config.OUTFLOW_DATA_DIR), 'temporal');
  const port = options.port ?? config.TEMPORAL_PORT;
  const uiPort = options.uiPort ?? config.TEMPORAL_UI_PORT;
  const dbFile = path.join(dir, 'temporal.sqlite');
  const logFile = path.join(dir, 'server.log');
  const pidFile = path.join(dir, 'server.pid');
  await mkdir(dir, { recursive: true });

  const leftover = Number(await readFile(pidFile, 'utf8').catch(() => ''));
  if (await stopOrphan(leftover, dbFile, 'SIGTERM')) {
    log.warn({ serverPid: leftover }, 'stopped a Temporal server left running by an earlier run');
  }

  // Otherwise the readiness check below could succeed against whatever holds the port.
  await assertPortFree(port, 'TEMPORAL_PORT (or TEMPORAL_ADDRESS to use that server)');
  if (!options.headless) await assertPortFree(uiPort, 'TEMPORAL_UI_PORT');

  const address = `127.0.0.1:${port}`;
  const { child, release } = await spawnServer(
    cli,
    [
      ...['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port)],
      ...(options.headless ? ['--headless'] : ['--ui-port', String(uiPort)]),
      ...['--db-filename', dbFile, '--namespace', namespace, '--log-level', 'warn'],
      // No internet here: the version check would only add errors to the log.
      ...['--dynamic-config-value', 'frontend.enableServerVersionCheck=false'],
    ],
    { logFile, stopSignal: 'SIGTERM' },
  );
  await writeFile(pidFile, String(child.pid));
  const stop = async () => {
    release();
    await stopChild(child, 'SIGTERM');
    await rm(pidFile, { force: true });
  };

  try {
    const exitedEarly = () =>
      hasExited(child) ? `the Temporal server exited during start-up; see ${logFile}` : null;
    const connection = await waitForNamespace(address, namespace, exitedEarly);
    try {
      await registerSearchAttributes(connection, namespace);
      await raiseRetention(connection, namespace, retentionDays);
    } finally {
      await connection.close();
    }
  } catch (err) {
    const crashed = hasExited(child);
    await stop();
    if (crashed) log.error({ serverLog: await tail(logFile) }, 'Temporal server log');
    throw err;
  }
  const uiUrl = options.headless ? null : `http://127.0.0.1:${uiPort}`;
  log.info({ address, uiUrl, namespace }, 'Temporal dev server is ready');
  return { address, uiUrl, stop };
}

/**
 * Retries until the frontend answers for the namespace (about 60 s), or `failed()` names a
 * reason to give up early. Returns the open connection.
 */
async function waitForNamespace(
  address: string,
  namespace: string,
  failed: () => string | null,
): Promise<Connection> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: '2s' });
      await connection.workflowService.describeNamespace({ namespace });
      return connection;
    } catch (err) {
      await connection?.close();
      const reason = failed();
      if (reason) throw new Error(reason, { cause: err });
      if (Date.now() > deadline) {
        throw new Error(`Temporal at ${address} did not serve namespace ${namespace} within 60 s`, {
          cause: err,
        });
      }
    }
    await sleep(500);
  }
}

/** Adds Outflow's search attributes the namespace lacks; safe to call on every start. */
export async function registerSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing: Record<string, number> = {};
  for (const key of outflowSearchAttributes) {
    const wanted = encodeSearchAttributeIndexedValueType(key.type)!;
    const existing = customAttributes[key.name];
    if (existing === undefined) missing[key.name] = wanted;
    else if (existing !== wanted) {
      throw new Error(
        `search attribute ${key.name} exists in namespace ${namespace} with another type (${existing}); ` +
          `Outflow needs ${key.type}`,
      );
    }
  }
  if (Object.keys(missing).length === 0) return;
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  log.info({ names: Object.keys(missing), namespace }, 'registered search attributes');
}

/** Raises the namespace's retention of closed runs to at least `days`; never lowers it. */
export async function raiseRetention(
  connection: Connection,
  namespace: string,
  days: number,
): Promise<void> {
  const wantedMs = days * 24 * 3600 * 1000;
  const { config } = await connection.workflowService.describeNamespace({ namespace });
  if (tsToMs(config?.workflowExecutionRetentionTtl) >= wantedMs) return;
  await connection.workflowService.updateNamespace({
    namespace,
    config: { workflowExecutionRetentionTtl: msToTs(wantedMs) },
  });
  log.info({ namespace, days }, 'raised the retention of closed workflow runs');
}

function commandSucceeds(command: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/** Runs a command with its output passed through; rejects on a non-zero exit. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`));
    });
  });
}
