import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { exports } from '../db/schema';
import type {
  Connector,
  ConnectorContext,
  ExportOutcome,
  MappedFieldType,
} from '../connectors/types';
import { syncOperationsFor } from '../lib/domain';
import type { AppRow, DestinationRow } from './load';
import { clearOutbox, type Noted } from './outbox';
import { moveBaselines } from './baselines';
import type { ChangeKind, PreparedChange } from './prepare';
import { maxExportAttempts, retryDelayMs } from './retry-delay';
import { sendOrCheck } from './jobs';

/**
 * Sends prepared changes to the connector in chunks it accepts, and records each chunk's
 * outcomes (rows, baselines, outbox) in one transaction, so a crash between chunks loses
 * nothing and repeats at most the chunk in flight.
 */

export interface SendCounts {
  created: number;
  updated: number;
  deleted: number;
  failed: number;
  retry: { profileId: string; notBefore: number }[];
}

export interface SendInput {
  destination: DestinationRow;
  app: AppRow;
  connector: Connector;
  /** the property behind each mapped remote field */
  fieldTypes: Record<string, MappedFieldType>;
  changes: PreparedChange[];
  noted: Map<string, Noted>;
  /** called between chunks: keeps the activity alive and delivers cancellation */
  heartbeat: (sent: number) => void;
  signal?: AbortSignal;
  retryBaseMs: number;
}

export async function sendChanges(db: Db, input: SendInput): Promise<SendCounts> {
  const { destination, app, connector, changes } = input;
  const counts: SendCounts = { created: 0, updated: 0, deleted: 0, failed: 0, retry: [] };
  const ctx: ConnectorContext<unknown, unknown> = {
    appId: app.id,
    appOptions: app.options,
    destinationId: destination.id,
    destinationOptions: destination.options,
    syncOperations: syncOperationsFor(destination.syncMode),
    fieldTypes: input.fieldTypes,
    signal: input.signal,
  };
  const size = Math.max(1, connector.maxBatchSize);
  for (let start = 0; start < changes.length; start += size) {
    const chunk = changes.slice(start, start + size);
    let outcomes: ExportOutcome[];
    try {
      outcomes = await sendOrCheck(connector, ctx, chunk);
    } catch (err) {
      // Cancellation ends the activity; the rows stay `processing` and the next attempt
      // reuses them.
      if (input.signal?.aborted) throw err;
      const retryAfterMs = (err as { retryAfterMs?: unknown }).retryAfterMs;
      outcomes = chunk.map((c) => ({
        profileId: c.profileId,
        status: 'retry',
        message: (err as Error).message ?? String(err),
        retryAfterMs: typeof retryAfterMs === 'number' ? retryAfterMs : undefined,
      }));
    }
    await recordOutcomes(db, input, chunk, outcomes, counts);
    input.heartbeat(start + chunk.length);
  }
  return counts;
}

async function recordOutcomes(
  db: Db,
  input: SendInput,
  chunk: PreparedChange[],
  outcomes: ExportOutcome[],
  counts: SendCounts,
): Promise<void> {
  const byProfile = new Map(outcomes.map((o) => [o.profileId, o]));
  const now = Date.now();
  const completed: PreparedChange[] = [];
  const finalProfiles: string[] = [];
  const kinds: ChangeKind[] = [];
  // A stale change's job has reported: its newer queued change is planned at once, not cleared.
  const settled = (change: PreparedChange) => {
    if (change.stale) counts.retry.push({ profileId: change.profileId, notBefore: now });
    else finalProfiles.push(change.profileId);
  };

  await db.transaction(async (tx) => {
    for (const change of chunk) {
      const outcome: ExportOutcome = byProfile.get(change.profileId) ?? {
        profileId: change.profileId,
        status: 'retry',
        message: 'the connector returned no outcome for this profile',
      };
      if (outcome.status === 'complete') {
        completed.push(change);
        kinds.push(change.kind);
        settled(change);
        continue;
      }
      if (outcome.status === 'failed') {
        await tx
          .update(exports)
          .set({
            state: 'failed',
            errorMessage: outcome.message,
            errorLevel: outcome.level,
            // The refused request was an attempt too.
            attempts: change.attempts + 1,
            completedAt: new Date(now),
          })
          .where(eq(exports.id, change.exportId));
        counts.failed++;
        settled(change);
        continue;
      }
      // Waiting for an unfinished remote job is not a failure: like a rate-limit wait, it does
      // not use up the retry budget. The job itself ends as completed, errored or failed.
      // TODO: give up on a job the tool never reports (it forgot it): needs a deadline per job.
      const polling = outcome.status === 'processing';
      const jobId = polling ? outcome.jobId : change.remoteJobId;
      const message = polling ? `remote job ${outcome.jobId} has not finished` : outcome.message;
      const attempts = polling || outcome.rateLimited ? change.attempts : change.attempts + 1;
      if (attempts >= maxExportAttempts) {
        await tx
          .update(exports)
          .set({
            state: 'failed',
            errorMessage: message,
            errorLevel: 'error',
            attempts,
            // Transient failures that ran out of attempts may be retried automatically later.
            retryable: true,
            completedAt: new Date(now),
          })
          .where(eq(exports.id, change.exportId));
        counts.failed++;
        settled(change);
        continue;
      }
      const notBefore = polling
        ? now + outcome.pollAfterMs
        : now + retryDelayMs(attempts, outcome.retryAfterMs, input.retryBaseMs);
      await tx
        .update(exports)
        .set({
          // A job that may still apply its payload keeps the export `processing` with its id.
          state: jobId ? 'processing' : 'pending',
          remoteJobId: jobId,
          // The last transient message stays visible; a level only once the export failed.
          errorMessage: polling ? null : message,
          errorLevel: null,
          attempts,
          sendAt: new Date(notBefore),
          startedAt: null,
        })
        .where(eq(exports.id, change.exportId));
      counts.retry.push({ profileId: change.profileId, notBefore });
    }

    if (completed.length > 0) {
      await tx
        .update(exports)
        .set({
          state: 'complete',
          remoteJobId: null,
          completedAt: new Date(now),
          errorMessage: null,
          errorLevel: null,
        })
        .where(
          inArray(
            exports.id,
            completed.map((c) => c.exportId),
          ),
        );
      await moveBaselines(
        tx,
        input.destination.id,
        completed.map((c) => ({ id: c.exportId, profileId: c.profileId, toDelete: c.toDelete })),
      );
    }
    await clearOutbox(tx, input.destination.id, input.noted, finalProfiles);
  });
  for (const kind of kinds) counts[kind]++;
}
