import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Command } from 'commander';
import postgres from 'postgres';
import { startApi } from '../api/server';
import '../connectors/builtin';
import { createDb } from '../db/client';
import { runMigrations } from '../db/migrate';
import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { apiClient } from './api-client';
import { ensureDemoTarget } from './demo';
import { ensurePostgres } from './postgres';
import { freePort, sleep } from './processes';
import { startTemporal } from './temporal';
import { destinationWorkflowId, statusQuery } from '../workflows/definitions';

/**
 * `npm run bench`: N profile changes through the API into a Postgres destination, on servers
 * of its own in a temporary folder. Prints throughput, change-to-export latency, the worker's
 * peak memory, and — in the same run — a plain batched upsert of the same rows into the same
 * database, the ceiling Outflow is measured against.
 */
const opts = new Command('bench')
  .option('-n, --profiles <n>', 'profile changes to send', '20000')
  .option('--batch <n>', 'profiles per API request', '1000')
  .parse()
  .opts<{ profiles: string; batch: string }>();
const total = Number(opts.profiles);
const perRequest = Number(opts.batch);

const stops: (() => Promise<unknown>)[] = [];

function benchRows(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: `bench-${i}`,
    properties: { email: `person${i}@bench.example`, name: `Person ${i}`, score: i % 1000 },
  }));
}

/** The worker runs as its own process so its memory can be read from /proc. */
function startWorker(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker.ts'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  stops.push(async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  });
  return () => {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  };
}

async function main(): Promise<void> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'outflow-bench-'));
  await chmod(tmp, 0o755); // embedded Postgres runs as `postgres` when we are root
  stops.push(() => rm(tmp, { recursive: true, force: true }));
  const base = loadConfig({ ...process.env, LOG_LEVEL: 'warn' });
  const config = {
    ...base,
    OUTFLOW_DATA_DIR: tmp,
    OUTFLOW_PG_PORT: await freePort(),
    TEMPORAL_PORT: await freePort(),
    PORT: await freePort(),
  };
  const pg = await ensurePostgres(config);
  stops.push(pg.stop);
  const temporal = await startTemporal(config, { headless: true });
  stops.push(temporal.stop);
  const { db, close } = createDb(pg.url);
  stops.push(close);
  await runMigrations(db);

  const peakWorkerMb = startWorker({
    ...process.env,
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: temporal.address,
    LOG_LEVEL: 'warn',
  });
  const connection = await Connection.connect({ address: temporal.address });
  stops.push(() => connection.close());
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const apiKey = 'bench-key-0123456789abcdef';
  const server = await startApi({ db, temporal: client, config, apiKey });
  stops.push(server.close);
  const api = apiClient(server.url, apiKey);

  const targetUrl = await ensureDemoTarget(pg.url, 'outflow_bench_target');
  const target = postgres(targetUrl, { max: 4, onnotice: () => {} });
  stops.push(() => target.end());
  await api.request('POST', '/properties', { key: 'email', type: 'email', unique: true });
  await api.request('POST', '/properties', { key: 'name', type: 'string' });
  await api.request('POST', '/properties', { key: 'score', type: 'integer' });
  await api.request('POST', '/apps', {
    id: 'bench_target',
    name: 'Bench target',
    type: 'postgres',
    options: { connectionString: targetUrl },
  });
  await api.request('POST', '/destinations', {
    id: 'bench',
    name: 'Bench',
    appId: 'bench_target',
    options: { table: 'bench_profiles', keyColumn: 'email' },
    collection: 'all',
    mapping: { email: 'email', name: 'name', score: 'score' },
    groupMapping: {},
    syncMode: 'sync',
  });

  // Measure Outflow, not the worker's start-up: wait until the destination's workflow answers.
  const handle = client.workflow.getHandle(destinationWorkflowId('bench'));
  for (;;) {
    const ready = await handle.query(statusQuery).then(
      () => true,
      () => false,
    );
    if (ready) break;
    await sleep(200);
  }

  const rows = benchRows(total);
  logger.warn({ profiles: total }, 'sending profile changes through the API');
  const started = Date.now();
  for (let i = 0; i < rows.length; i += perRequest) {
    await api.request('POST', '/profiles/batch', { profiles: rows.slice(i, i + perRequest) });
  }
  const sentMs = Date.now() - started;
  for (;;) {
    const [row] = await db.execute<{ n: number }>(
      `select count(*)::int as n from exports where destination_id = 'bench' and state = 'complete'`,
    );
    if (row!.n >= total) break;
    await sleep(200);
  }
  const elapsedMs = Date.now() - started;
  const [lat] = await db.execute<{ p50: number; p95: number }>(`
    select percentile_cont(0.5) within group (order by ms) as p50,
           percentile_cont(0.95) within group (order by ms) as p95
    from (select extract(epoch from e.completed_at - p.updated_at) * 1000 as ms
          from exports e join profiles p on p.id = e.profile_id
          where e.destination_id = 'bench' and e.state = 'complete') t`);
  const [{ c } = { c: 0 }] = await target`select count(*)::int as c from bench_profiles`;

  // The ceiling: the same rows, upserted straight into a table of the same database.
  await target`create table bench_ceiling (email text primary key, name text, score double precision)`;
  const ceilingStart = Date.now();
  const flat = rows.map((r) => r.properties);
  for (let i = 0; i < flat.length; i += 500) {
    await target`insert into bench_ceiling ${target(flat.slice(i, i + 500))}
      on conflict (email) do update set name = excluded.name, score = excluded.score`;
  }
  const ceilingMs = Date.now() - ceilingStart;

  const outflowRate = total / (elapsedMs / 1000);
  const ceilingRate = total / (ceilingMs / 1000);
  const lines = [
    `profiles sent:              ${total} (API accepted them in ${(sentMs / 1000).toFixed(1)} s)`,
    `rows in destination table:  ${c}`,
    `throughput, API → table:    ${outflowRate.toFixed(0)} profiles/s (${(elapsedMs / 1000).toFixed(1)} s)`,
    `latency change → export:    p50 ${Math.round(lat!.p50)} ms, p95 ${Math.round(lat!.p95)} ms`,
    `worker peak memory (RSS):   ${peakWorkerMb().toFixed(0)} MiB`,
    `ceiling, plain upsert:      ${ceilingRate.toFixed(0)} rows/s (${(ceilingMs / 1000).toFixed(1)} s)`,
    `Outflow / ceiling:          ${((outflowRate / ceilingRate) * 100).toFixed(1)} %`,
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

async function stopAll(): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch(() => {});
}

main()
  .then(stopAll)
  .catch(async (err: unknown) => {
    logger.error({ err }, 'benchmark failed');
    await stopAll();
    process.exit(1);
  });
