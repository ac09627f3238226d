import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { RetryMode } from '../db/schema';

/**
 * Reads and clears the outbox (`destination_changes`). Rows are removed only up to the id noted
 * before planning, so a change committed while its profile was being exported stays queued.
 */

export interface OutboxPage {
  profileIds: string[];
  /** more profiles are waiting beyond this page */
  more: boolean;
}

/**
 * Distinct profiles with queued changes, oldest change first. Profiles whose open export waits
 * for a retry time are left out: the workflow wakes them when their time comes.
 */
export async function readOutboxPage(
  db: Db,
  destinationId: string,
  limit: number,
  excludeProfileIds: string[] = [],
): Promise<OutboxPage> {
  const rows = await db.execute<{ profile_id: string }>(sql`
    select c.profile_id, min(c.id) as first_id
    from destination_changes c
    where c.destination_id = ${destinationId}
      and not (c.profile_id = any(${sql.param(excludeProfileIds)}::text[]))
      and not exists (
        select 1 from exports e
        where e.destination_id = c.destination_id and e.profile_id = c.profile_id
          and e.state in ('pending', 'processing') and e.send_at > now())
    group by c.profile_id
    order by first_id
    limit ${limit + 1}`);
  const profileIds = [...rows].map((r) => r.profile_id);
  return { profileIds: profileIds.slice(0, limit), more: profileIds.length > limit };
}

/** What the outbox holds for one profile when a batch starts. */
export interface Noted {
  /** the newest outbox id: the high-water mark this batch may clear */
  maxId: number;
  /** the newest sync run among its rows: the run its export counts for */
  runId: string | null;
  /** set when its newest row is a retry of a failed export */
  retryExportId: number | null;
  retryMode: RetryMode | null;
  /** a row asks to send even if nothing changed (the destination's target moved) */
  resend: boolean;
}

/** Notes each profile's queued changes, in one statement. */
export async function noteOutbox(
  db: Db,
  destinationId: string,
  profileIds: string[],
): Promise<Map<string, Noted>> {
  const rows = await db.execute<{
    profile_id: string;
    max_id: string;
    run_id: string | null;
    retry_export_id: string | null;
    retry_mode: RetryMode | null;
    resend: boolean;
  }>(sql`
    select profile_id, max(id) as max_id,
      (array_agg(run_id order by id desc) filter (where run_id is not null))[1] as run_id,
      (array_agg(retry_export_id order by id desc))[1] as retry_export_id,
      (array_agg(retry_mode order by id desc))[1] as retry_mode,
      bool_or(resend) as resend
    from destination_changes
    where destination_id = ${destinationId} and profile_id = any(${sql.param(profileIds)}::text[])
    group by profile_id`);
  return new Map(
    [...rows].map((r) => [
      r.profile_id,
      {
        maxId: Number(r.max_id),
        runId: r.run_id,
        retryExportId: r.retry_export_id === null ? null : Number(r.retry_export_id),
        retryMode: r.retry_mode,
        resend: r.resend,
      },
    ]),
  );
}

type Executor = Pick<Db, 'execute'>;

/** Deletes each profile's outbox rows up to its noted id (one set-based statement). */
export async function clearOutbox(
  tx: Executor,
  destinationId: string,
  noted: Map<string, Noted>,
  profileIds: string[],
): Promise<void> {
  const ids = profileIds.filter((id) => noted.has(id));
  if (ids.length === 0) return;
  const maxIds = ids.map((id) => noted.get(id)!.maxId);
  await tx.execute(sql`
    delete from destination_changes c
    using unnest(${sql.param(ids)}::text[], ${sql.param(maxIds)}::bigint[]) as u(profile_id, max_id)
    where c.destination_id = ${destinationId}
      and c.profile_id = u.profile_id and c.id <= u.max_id`);
}
