import { own } from '../lib/own';
import { cancellationSignal, heartbeat, log } from '@temporalio/activity';
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { exports, type DestinationSettings } from '../db/schema';
import { getConnector } from '../connectors';
import type { MappedFieldType } from '../connectors/types';
import type { AutoRetry, RetryExportsInput, RunRef } from '../workflows/definitions';
import { loadDestination, loadExportContext, loadProfileStates } from './load';
import { noteOutbox, readOutboxPage, type OutboxPage } from './outbox';
import { prepareBatch } from './prepare';
import { queueAutoRetries, retryExports } from './retry';
import { cancelSyncRun, refreshSyncRun, runningRuns } from './runs';
import { sendChanges } from './send';

/**
 * The side effects of the destination workflow. Inputs are ids, results are counts: nothing
 * personal reaches workflow history.
 */

export interface ActivityDeps {
  db: Db;
  /** first retry delay of a transiently failing export; later ones double (tests lower it) */
  retryBaseMs?: number;
}

export interface DestinationDescription {
  found: boolean;
  deleted: boolean;
  name: string;
  type: string;
  maxBatchSize: number;
  maxConcurrency: number;
  paused: boolean;
  settings: DestinationSettings;
}

/** What the workflow learns each time it catches up with the database. */
export interface OutboxRead extends OutboxPage {
  deleted: boolean;
  paused: boolean;
  settings: DestinationSettings;
  /** running sync runs, whose workflows it makes sure are started */
  runs: RunRef[];
}

export interface ExportBatchInput {
  destinationId: string;
  profileIds: string[];
  /** send even when nothing changed, and even without queued changes */
  force?: boolean;
}

export interface ExportBatchResult {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  skipped: number;
  failed: number;
  canceled: number;
  /** profiles to offer again, each not before the epoch ms given */
  retry: { profileId: string; notBefore: number }[];
}

/** What a planned batch will send, by operation; what needs no sending is already done. */
export interface PlanBatchResult {
  create: number;
  update: number;
  delete: number;
  /** exports waiting on a remote job (SendGrid), whose job is checked instead */
  jobChecks: number;
  unchanged: number;
  skipped: number;
  failed: number;
  canceled: number;
}

const emptyPlan: PlanBatchResult = {
  create: 0,
  update: 0,
  delete: 0,
  jobChecks: 0,
  unchanged: 0,
  skipped: 0,
  failed: 0,
  canceled: 0,
};

// Used when a worker does not know the destination's type yet; exportBatch will then retry.
const fallbackLimits = { maxBatchSize: 100, maxConcurrency: 1 };

export function createActivities({ db, retryBaseMs = 1000 }: ActivityDeps) {
  /**
   * Notes the profiles' queued changes, then plans each against its baseline and records
   * the export rows. Planning again is harmless: a row with the same content is reused, and a
   * profile whose queue was already cleared is skipped. Null when the destination is gone.
   */
  async function plan(destinationId: string, profileIds: string[], force: boolean) {
    const ids = [...new Set(profileIds)];
    // Noted before reading anything: changes committed after this point stay queued.
    const noted = await noteOutbox(db, destinationId, ids);
    const row = await loadDestination(db, destinationId);
    if (!row || row.destination.deletedAt !== null) {
      log.info('destination gone, batch ignored', { destinationId, profiles: ids.length });
      return null;
    }
    const context = await loadExportContext(db, row.destination, row.app);
    const states = await loadProfileStates(db, row.destination, ids);
    const retried = await loadRetried(db, destinationId, [...noted.values()]);
    const prepared = await prepareBatch(db, {
      destination: row.destination,
      ...context,
      states,
      noted,
      retried,
      force,
    });
    return { row, context, noted, prepared };
  }

  return {
    async describeDestination({
      destinationId,
    }: {
      destinationId: string;
    }): Promise<DestinationDescription> {
      const row = await loadDestination(db, destinationId);
      if (!row) {
        const missing = { found: false, deleted: true, name: '', type: '', paused: false };
        return { ...missing, settings: {}, ...fallbackLimits };
      }
      const connector = getConnector(row.app.type);
      return {
        found: true,
        deleted: row.destination.deletedAt !== null,
        name: row.destination.name,
        type: row.app.type,
        maxBatchSize: connector?.maxBatchSize ?? fallbackLimits.maxBatchSize,
        maxConcurrency: connector?.maxConcurrency ?? fallbackLimits.maxConcurrency,
        paused: row.destination.paused,
        settings: row.destination.settings,
      };
    },

    async readOutbox(input: {
      destinationId: string;
      limit: number;
      /** profiles the workflow is exporting right now */
      excludeProfileIds?: string[];
      /** when set, failures due for an automatic retry are queued first */
      autoRetry?: AutoRetry;
    }): Promise<OutboxRead> {
      const { destinationId } = input;
      const row = await loadDestination(db, destinationId);
      if (!row || row.destination.deletedAt !== null)
        return {
          profileIds: [],
          more: false,
          deleted: true,
          paused: false,
          settings: {},
          runs: [],
        };
      if (input.autoRetry) await queueAutoRetries(db, destinationId, input.autoRetry);
      const page = await readOutboxPage(db, destinationId, input.limit, input.excludeProfileIds);
      const { paused, settings } = row.destination;
      const runs = await runningRuns(db, destinationId);
      return { ...page, deleted: false, paused, settings, runs };
    },

    /** Chooses failed exports to retry and queues them (unless a preview); ids and counts only. */
    retryExports: (input: RetryExportsInput) => retryExports(db, input),

    refreshSyncRun: ({ runId }: { runId: string }) => refreshSyncRun(db, runId),

    cancelSyncRun: ({ runId, reason }: { runId: string; reason: string }) =>
      cancelSyncRun(db, runId, reason),

    /**
     * Plans a batch without sending: records what each profile needs (the export rows), so
     * the workflow can name the batch's creates, updates and deletes before it sends them.
     * Profiles with nothing to send are finished here; `exportBatch` picks up the rest.
     */
    async planBatch({ destinationId, profileIds }: ExportBatchInput): Promise<PlanBatchResult> {
      const planned = await plan(destinationId, profileIds, false);
      if (!planned) return { ...emptyPlan, skipped: new Set(profileIds).size };
      const { toSend, unchanged, skipped, failed, canceled } = planned.prepared;
      const result = { ...emptyPlan, unchanged, skipped, failed, canceled };
      for (const change of toSend) {
        if (change.remoteJobId !== null) result.jobChecks++;
        else if (change.kind === 'created') result.create++;
        else if (change.kind === 'updated') result.update++;
        else result.delete++;
      }
      return result;
    },

    async exportBatch({
      destinationId,
      profileIds,
      force = false,
    }: ExportBatchInput): Promise<ExportBatchResult> {
      const result: ExportBatchResult = {
        created: 0,
        updated: 0,
        deleted: 0,
        unchanged: 0,
        skipped: 0,
        failed: 0,
        canceled: 0,
        retry: [],
      };
      const planned = await plan(destinationId, profileIds, force);
      if (!planned) return { ...result, skipped: new Set(profileIds).size };
      const { row, context, noted, prepared } = planned;
      const sent = await sendChanges(db, {
        destination: row.destination,
        app: row.app,
        connector: context.connector,
        fieldTypes: mappedFieldTypes(row.destination.mapping, context.propertyTypes),
        changes: prepared.toSend,
        noted,
        heartbeat: (done) => heartbeat({ sent: done }),
        signal: cancellationSignal(),
        retryBaseMs,
      });
      Object.assign(result, {
        ...sent,
        unchanged: prepared.unchanged,
        skipped: prepared.skipped,
        canceled: prepared.canceled,
        failed: prepared.failed + sent.failed,
      });
      log.info('export batch done', { destinationId, ...result, retry: result.retry.length });
      return result;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

/** The failed exports that queued retries point to, by id. */
async function loadRetried(
  db: Db,
  destinationId: string,
  noted: { retryExportId: number | null }[],
) {
  const ids = noted.flatMap((n) => (n.retryExportId === null ? [] : [n.retryExportId]));
  if (ids.length === 0) return new Map<number, typeof exports.$inferSelect>();
  const rows = await db
    .select()
    .from(exports)
    .where(and(eq(exports.destinationId, destinationId), inArray(exports.id, ids)));
  return new Map(rows.map((r) => [r.id, r]));
}

/** The property type behind each remote field of a mapping (unknown properties left out). */
function mappedFieldTypes(
  mapping: Record<string, string>,
  propertyTypes: Record<string, MappedFieldType>,
): Record<string, MappedFieldType> {
  const out: Record<string, MappedFieldType> = {};
  for (const [field, key] of Object.entries(mapping)) {
    const type = own(propertyTypes, key);
    if (type) out[field] = type;
  }
  return out;
}
