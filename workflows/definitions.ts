import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DestinationSettings, SyncRunKind, SyncRunState } from '../db/schema';

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
  /** how often to look for committed changes whose signal was lost, while anything happens */
  catchUpIntervalMs?: number;
  /**
   * the catch-up interval doubles while the outbox stays empty and nothing signals, up to this
   * (default 5 minutes): the longest a change whose signal was lost waits
   */
  maxCatchUpIntervalMs?: number;
  /** continue as new after this many batches (default 200) even if nothing else says so */
  maxBatchesPerRun?: number;
  /** continue as new once the run's history has this many events (default 2,000) */
  maxHistoryEvents?: number;
  /** continue as new once the run's history is this large, in bytes (default 1 MB) */
  maxHistoryBytes?: number;
  /** carried over by continue-as-new: profile ids not yet exported */
  pendingProfileIds?: string[];
  /** carried over by continue-as-new: profile id → epoch ms before which it must not be retried */
  retryAt?: Record<string, number>;
  /** automatic retries of exports whose transient retries ran out (destination settings win) */
  autoRetry?: AutoRetry;
  /** how often a sync run's workflow recounts its progress */
  runPollMs?: number;
  /** carried over by continue-as-new: paused by an operator (the destination row wins at start) */
  paused?: boolean;
  /** carried over by continue-as-new: runs whose workflow this one already started */
  startedRunIds?: string[];
  /** carried over by continue-as-new: live settings (the destination row's settings win) */
  settings?: DestinationSettings;
}

export interface AutoRetry {
  /** automatic retries in a row per profile; 0 turns them off */
  maxTimes: number;
  /** wait after the last failure, in ms */
  afterMs: number;
}

/** Applied when neither the destination nor the workflow input says otherwise. */
export const defaultAutoRetry: AutoRetry = { maxTimes: 3, afterMs: 10 * 60_000 };

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
  paused: boolean;
  concurrency: number;
  batchSize: number;
  maxProfilesPerSecond: number | null;
}

export const statusQuery = defineQuery<DestinationWorkflowStatus>('status');

/** Throughput and retry settings changed live, without a restart. */
export type LiveSettings = DestinationSettings;

/** What pause, resume and settings updates answer: the workflow's control state after them. */
export interface ControlState {
  paused: boolean;
  concurrency: number;
  batchSize: number;
  /** the rate limit in force, profiles a second; null: none */
  maxProfilesPerSecond: number | null;
  pendingProfiles: number;
  inFlightProfiles: number;
}

/** Stops starting export batches; answers once the batches in flight have finished. */
export const pauseUpdate = defineUpdate<ControlState, []>('pause');
export const resumeUpdate = defineUpdate<ControlState, []>('resume');
export const updateSettingsUpdate = defineUpdate<ControlState, [LiveSettings]>('updateSettings');

/** Which failed exports to retry, and how. Ids and times only. */
export interface RetryFilter {
  /** ISO times: failures completed in [from, to) */
  from?: string;
  to?: string;
  exportIds?: number[];
  profileIds?: string[];
  /** `fresh` plans again from current data; `exact` resends the failed payload */
  mode?: 'fresh' | 'exact';
  /** only count what would be queued */
  preview?: boolean;
}

export type RetryExportsInput = RetryFilter & { destinationId: string };

export interface RetryExportsResult {
  /** exports the filter matched */
  matched: number;
  /** profiles queued again (or that would be, in a preview) */
  queued: number;
  skipped: { exportId: number; reason: string }[];
  /** the `retry` run that follows them; null in a preview or when nothing was queued */
  runId: string | null;
}

/** Queues failed exports again and answers at once with what was queued and what was not. */
export const retryExportsUpdate = defineUpdate<RetryExportsResult, [RetryFilter]>('retryExports');

/** Synchronous checks run before a retry is accepted into history; throws what is wrong. */
export function validateRetryFilter(filter: RetryFilter): void {
  if (filter.mode !== undefined && filter.mode !== 'fresh' && filter.mode !== 'exact')
    throw new Error(`mode must be "fresh" or "exact", got "${String(filter.mode)}"`);
  if ((filter.exportIds?.length ?? 0) > 1000 || (filter.profileIds?.length ?? 0) > 1000)
    throw new Error('at most 1000 export ids and 1000 profile ids per retry');
  for (const t of [filter.from, filter.to]) {
    if (t !== undefined && Number.isNaN(Date.parse(t))) throw new Error(`"${t}" is not a time`);
  }
  if (filter.from && filter.to && Date.parse(filter.from) >= Date.parse(filter.to))
    throw new Error('from must be before to');
}

/** Checks live settings before they are accepted. */
export function validateSettings(settings: LiveSettings): void {
  const positive = (name: string, v: number | undefined) => {
    if (v !== undefined && (!Number.isInteger(v) || v < 1))
      throw new Error(`${name} must be a positive integer, got ${v}`);
  };
  positive('concurrency', settings.concurrency);
  positive('batchSize', settings.batchSize);
  const rate = settings.maxProfilesPerSecond;
  if (rate !== undefined && rate !== null && !(Number.isFinite(rate) && rate > 0))
    throw new Error(`maxProfilesPerSecond must be a positive number or null, got ${rate}`);
}

export const syncRunWorkflowType = 'syncRunWorkflow';

/** A run's workflow id names its destination, so the UI groups them by prefix. */
export function syncRunWorkflowId(destinationId: string, runId: string): string {
  return `destination:${destinationId}:run:${runId}`;
}

export interface SyncRunWorkflowInput {
  destinationId: string;
  runId: string;
  /** how often to recount progress */
  pollIntervalMs?: number;
}

export interface SyncRunResult {
  runId: string;
  state: SyncRunState;
  total: number;
  evaluated: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  failed: number;
}

/** A running run as the destination workflow learns of it, to start its workflow. */
export interface RunRef {
  id: string;
  kind: SyncRunKind;
  summary: string;
}
