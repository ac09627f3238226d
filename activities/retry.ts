import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { createRun, newRunId, sealRun } from '../db/runs';
import type { RetryExportsInput, RetryExportsResult } from '../workflows/definitions';
import { loadDestination } from './load';

/**
 * Retries of failed exports: chosen here, queued in the outbox (tagged with a `retry` run and
 * the export they retry), and exported by the destination workflow like any other change. A
 * failure is retried only while it is the newest thing that happened to its profile, which is
 * what makes retrying twice harmless.
 */

/** The most skip reasons returned: the answer goes into workflow history. */
const maxSkipped = 1000;
/** The most exports one retry request considers. */
const maxMatched = 10_000;

export const reasons = {
  notFailed: (state: string) => `the export is ${state}, not failed`,
  olderFailure: 'a newer failed export of this profile is retried instead',
  newerComplete: 'a newer export of this profile completed',
  newerFailure: 'a newer export of this profile failed; retry that one instead',
  queued: 'the profile is already queued for export',
  unknown: 'no export with this id at this destination',
};

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Result = RetryExportsResult & { profileIds: string[] };

/**
 * Chooses and queues in one transaction, under a lock per destination: two retries sent at
 * once would otherwise both read "not queued yet" and both queue everything.
 */
export async function retryExports(db: Db, input: RetryExportsInput): Promise<Result> {
  const row = input.preview ? null : await loadDestination(db, input.destinationId);
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select pg_advisory_xact_lock(hashtext(${`outflow:retry:${input.destinationId}`}))`,
    );
    return chooseAndQueue(tx, input, row);
  });
}

async function chooseAndQueue(
  tx: Tx,
  input: RetryExportsInput,
  row: Awaited<ReturnType<typeof loadDestination>>,
): Promise<Result> {
  const { destinationId, mode = 'fresh' } = input;
  const none = { matched: 0, queued: 0, skipped: [], runId: null, profileIds: [] };
  // An empty list matches nothing: a script whose list came out empty must not retry all.
  if (input.exportIds?.length === 0 || input.profileIds?.length === 0) return none;
  const where: SQL[] = [sql`destination_id = ${destinationId}`];
  if (input.exportIds) where.push(sql`id = any(${sql.param(input.exportIds)}::bigint[])`);
  else where.push(sql`state = 'failed'`);
  if (input.profileIds) where.push(sql`profile_id = any(${sql.param(input.profileIds)}::text[])`);
  if (input.from) where.push(sql`coalesce(completed_at, created_at) >= ${input.from}`);
  if (input.to) where.push(sql`coalesce(completed_at, created_at) < ${input.to}`);
  const candidates = [
    ...(await tx.execute<{ id: string; profile_id: string; state: string }>(sql`
      select id, profile_id, state from exports where ${sql.join(where, sql` and `)}
      order by id desc limit ${maxMatched}`)),
  ].map((r) => ({ id: Number(r.id), profileId: r.profile_id, state: r.state }));

  const profileIds = [...new Set(candidates.map((c) => c.profileId))];
  const facts = await profileFacts(tx, destinationId, profileIds);
  const chosen = new Map<string, number>(); // profile → the failed export retried
  const skipped: RetryExportsResult['skipped'] = [];
  const skip = (exportId: number, reason: string) => {
    if (skipped.length < maxSkipped) skipped.push({ exportId, reason });
  };
  const found = new Set(candidates.map((c) => c.id));
  for (const id of input.exportIds ?? []) if (!found.has(id)) skip(id, reasons.unknown);
  for (const c of candidates) {
    const f = facts.get(c.profileId);
    if (c.state !== 'failed') skip(c.id, reasons.notFailed(c.state));
    else if (chosen.has(c.profileId)) skip(c.id, reasons.olderFailure);
    else if (f && f.lastComplete > c.id) skip(c.id, reasons.newerComplete);
    else if (f && f.lastFailed > c.id) skip(c.id, reasons.newerFailure);
    else if (f?.queued) skip(c.id, reasons.queued);
    else chosen.set(c.profileId, c.id);
  }

  const result = { matched: candidates.length, queued: chosen.size, skipped, runId: null };
  if (input.preview || chosen.size === 0) return { ...result, profileIds: [] };

  if (!row) return { ...result, queued: 0, profileIds: [] };
  const runId = newRunId();
  const n = chosen.size;
  await createRun(tx, {
    id: runId,
    destinationId,
    kind: 'retry',
    summary: `Retry (${mode}) of ${n} failed export${n === 1 ? '' : 's'} to ${row.destination.name}`,
    configVersion: row.destination.configVersion,
  });
  await tx.execute(sql`
      insert into destination_changes (destination_id, profile_id, run_id, retry_export_id, retry_mode)
      select ${destinationId}, u.profile_id, ${runId}, u.export_id, ${mode}
      from unnest(${sql.param([...chosen.keys()])}::text[], ${sql.param([...chosen.values()])}::bigint[])
        as u(profile_id, export_id)`);
  await sealRun(tx, runId);
  return { ...result, runId, profileIds: [...chosen.keys()] };
}

interface ProfileFacts {
  lastComplete: number;
  lastFailed: number;
  /** an open export or an outbox row: something will be exported for it anyway */
  queued: boolean;
}

async function profileFacts(db: Tx, destinationId: string, profileIds: string[]) {
  const facts = new Map<string, ProfileFacts>();
  if (profileIds.length === 0) return facts;
  const rows = await db.execute<{
    profile_id: string;
    last_complete: string | null;
    last_failed: string | null;
    queued: boolean;
  }>(sql`
    select e.profile_id,
      max(e.id) filter (where e.state = 'complete') as last_complete,
      max(e.id) filter (where e.state = 'failed') as last_failed,
      bool_or(e.state in ('pending', 'processing')) or exists (
        select 1 from destination_changes c
        where c.destination_id = ${destinationId} and c.profile_id = e.profile_id) as queued
    from exports e
    where e.destination_id = ${destinationId} and e.profile_id = any(${sql.param(profileIds)}::text[])
    group by e.profile_id`);
  for (const r of rows) {
    facts.set(r.profile_id, {
      lastComplete: Number(r.last_complete ?? 0),
      lastFailed: Number(r.last_failed ?? 0),
      queued: r.queued,
    });
  }
  return facts;
}

/**
 * Queues automatic retries of exports that failed only because transient retries ran out:
 * at most `maxTimes` in a row per profile, each `afterMs` after the last failure. Permanent
 * failures are left alone; if their data changes, the change itself queues a new export.
 */
export async function queueAutoRetries(
  db: Db,
  destinationId: string,
  autoRetry: { maxTimes: number; afterMs: number },
): Promise<number> {
  if (autoRetry.maxTimes <= 0) return 0;
  const rows = await db.execute(sql`
    insert into destination_changes (destination_id, profile_id, retry_export_id, retry_mode)
    select e.destination_id, e.profile_id, e.id, 'auto' from exports e
    where e.destination_id = ${destinationId} and e.state = 'failed' and e.retryable
      and e.auto_retries < ${autoRetry.maxTimes}
      and coalesce(e.completed_at, e.created_at) <= now() - ${autoRetry.afterMs} * interval '1 millisecond'
      and not exists (
        select 1 from exports n where n.destination_id = e.destination_id
          and n.profile_id = e.profile_id and n.id > e.id and n.state <> 'canceled')
      and not exists (
        select 1 from destination_changes c
        where c.destination_id = e.destination_id and c.profile_id = e.profile_id)
    returning profile_id`);
  return rows.length;
}
