import { cancellationSignal, heartbeat, log } from '@temporalio/activity';
import type { Db } from '../db/client';
import { getConnector } from '../connectors';
import { loadDestination, loadExportContext, loadProfileStates } from './load';
import { noteOutbox, readOutboxPage, type OutboxPage } from './outbox';
import { prepareBatch } from './prepare';
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

// Used when a worker does not know the destination's type yet; exportBatch will then retry.
const fallbackLimits = { maxBatchSize: 100, maxConcurrency: 1 };

export function createActivities({ db, retryBaseMs = 1000 }: ActivityDeps) {
  return {
    async describeDestination({
      destinationId,
    }: {
      destinationId: string;
    }): Promise<DestinationDescription> {
      const row = await loadDestination(db, destinationId);
      if (!row) return { found: false, deleted: true, name: '', type: '', ...fallbackLimits };
      const connector = getConnector(row.app.type);
      return {
        found: true,
        deleted: row.destination.deletedAt !== null,
        name: row.destination.name,
        type: row.app.type,
        maxBatchSize: connector?.maxBatchSize ?? fallbackLimits.maxBatchSize,
        maxConcurrency: connector?.maxConcurrency ?? fallbackLimits.maxConcurrency,
      };
    },

    async readOutbox(input: {
      destinationId: string;
      limit: number;
      /** profiles the workflow is exporting right now */
      excludeProfileIds?: string[];
    }): Promise<OutboxPage & { deleted: boolean }> {
      const row = await loadDestination(db, input.destinationId);
      if (!row || row.destination.deletedAt !== null)
        return { profileIds: [], more: false, deleted: true };
      const page = await readOutboxPage(
        db,
        input.destinationId,
        input.limit,
        input.excludeProfileIds,
      );
      return { ...page, deleted: false };
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
      const ids = [...new Set(profileIds)];
      // Noted before reading anything: changes committed after this point stay queued.
      const noted = await noteOutbox(db, destinationId, ids);
      const row = await loadDestination(db, destinationId);
      if (!row || row.destination.deletedAt !== null) {
        log.info('destination gone, batch ignored', { destinationId, profiles: ids.length });
        return { ...result, skipped: ids.length };
      }
      const { destination, app } = row;
      const context = await loadExportContext(db, destination, app);
      const states = await loadProfileStates(db, destination, ids);
      const prepared = await prepareBatch(db, { destination, ...context, states, noted, force });
      const sent = await sendChanges(db, {
        destination,
        app,
        connector: context.connector,
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
