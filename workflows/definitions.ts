import { defineQuery, defineSignal } from '@temporalio/workflow';

/**
 * The destination workflow's public surface: its id, input, signals, queries and updates.
 * Imported by the API (to signal) and by the workflow (to handle).
 */

export const destinationWorkflowType = 'destinationWorkflow';

/** One workflow per destination; the id reads well in the Temporal UI. */
export function destinationWorkflowId(destinationId: string): string {
  return `destination:${destinationId}`;
}

export interface DestinationWorkflowInput {
  destinationId: string;
  /** how long to collect changes before exporting a batch */
  batchWindowMs?: number;
  /** profiles per export activity (capped by the connector's own limit) */
  batchSize?: number;
  /** export activities in flight at once; one profile is never in two of them */
  concurrency?: number;
  /** how often to look for committed changes whose signal was lost */
  catchUpIntervalMs?: number;
  /** continue as new after this many batches even if the server does not suggest it */
  maxBatchesPerRun?: number;
  /** carried over by continue-as-new: profile ids not yet exported */
  pendingProfileIds?: string[];
  /** carried over by continue-as-new: profile id → epoch ms before which it must not be retried */
  retryAt?: Record<string, number>;
}

/** Profiles whose data or group membership changed. Ids only, never personal data. */
export const profilesChangedSignal = defineSignal<[{ profileIds: string[] }]>('profilesChanged');

/** The destination's definition changed, or many profiles were queued in the outbox. */
export const outboxChangedSignal = defineSignal<[]>('outboxChanged');

/** The destination was deleted: finish what is in flight and end. */
export const destinationDeletedSignal = defineSignal<[]>('destinationDeleted');

export interface DestinationWorkflowStatus {
  destinationId: string;
  pendingProfiles: number;
  inFlightProfiles: number;
  waitingForRetry: number;
  batchesThisRun: number;
  lastBatchAt: string | null;
  deleting: boolean;
}

export const statusQuery = defineQuery<DestinationWorkflowStatus>('status');
