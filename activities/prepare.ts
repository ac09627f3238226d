import { inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { exports } from '../db/schema';
import type { ExportChange, MappingOptions } from '../connectors/types';
import type { PropertyType } from '../lib/domain';
import { planExport, samePlan, type ExportPlan } from '../lib/plan';
import type { DestinationRow, ExportRow, ProfileState } from './load';
import { moveBaselines } from './baselines';
import { clearOutbox, type Noted } from './outbox';

/**
 * Plans a batch and writes its export rows in one transaction: no-ops and "nothing to do" are
 * final here; everything else is left `processing`, ready to send.
 */

export const replacedMessage = 'Replaced by a more recent export';

export type ChangeKind = 'created' | 'updated' | 'deleted';
export interface PreparedChange extends ExportChange {
  kind: ChangeKind;
  attempts: number;
  /** set when this export waits for a remote job: the job is checked instead of sending */
  remoteJobId: string | null;
  /** the profile changed since: once the job reports, the profile must be planned again */
  stale: boolean;
}

export interface PrepareResult {
  toSend: PreparedChange[];
  unchanged: number;
  skipped: number;
  failed: number;
  canceled: number;
}

export interface PrepareInput {
  destination: DestinationRow;
  mappingOptions: MappingOptions;
  propertyTypes: Record<string, { type: PropertyType; isArray: boolean }>;
  states: Map<string, ProfileState>;
  /** what the outbox holds per profile; a profile without an entry has nothing queued */
  noted: Map<string, Noted>;
  /** the failed exports that queued retries refer to, by id */
  retried: Map<number, ExportRow>;
  force: boolean;
}

type NewExport = typeof exports.$inferInsert;

export async function prepareBatch(db: Db, input: PrepareInput): Promise<PrepareResult> {
  const { destination, noted, force } = input;
  const result: PrepareResult = { toSend: [], unchanged: 0, skipped: 0, failed: 0, canceled: 0 };
  const toCancel: number[] = [];
  const inserts: NewExport[] = [];
  const reused: { exportId: number; profileId: string; plan: ExportPlan; attempts: number }[] = [];
  const finalProfiles: string[] = [];
  const awaiting: PreparedChange[] = [];

  for (const [profileId, state] of input.states) {
    // Without queued changes the profile was already handled (by a retried attempt of this
    // activity, or a catch-up that overtook a signal): planning it again would only add rows.
    const note = noted.get(profileId);
    if (!force && !note) {
      result.skipped++;
      continue;
    }
    // A remote job still carrying an older payload may yet apply it: nothing newer is sent for
    // the profile until it reported, so the next plan starts from what the remote really holds.
    const inFlight = state.open.find((e) => e.state === 'processing' && e.remoteJobId !== null);
    if (inFlight) {
      const plan = tryPlan(() => planExport({ ...input, destination, ...state, force }));
      awaiting.push(awaitingJob(inFlight, state, plan));
      continue;
    }
    const retried = note?.retryExportId ? input.retried.get(note.retryExportId) : undefined;
    const exact = note?.retryMode === 'exact' && retried && isStillNewest(retried, state);
    // A re-sync after the destination's options changed (another table, another audience)
    // sends everyone in scope: what the baseline says was sent went somewhere else.
    const forced = force || Boolean(note?.resend);
    const base = {
      destinationId: destination.id,
      configVersion: exact ? retried.configVersion : destination.configVersion,
      force: forced || Boolean(exact),
      runId: note?.runId ?? null,
      // Counts automatic retries in a row; any other change starts the count again.
      autoRetries: note?.retryMode === 'auto' && retried ? retried.autoRetries + 1 : 0,
    };
    let plan: ExportPlan | null;
    try {
      // `exact` resends what the failed export carried, as long as nothing newer reached the
      // remote; otherwise (and for `fresh`) the profile is planned from its data as it is now.
      plan = exact
        ? { ...planColumns(retried), hasChanges: true }
        : planExport({ ...input, destination, ...state, force: forced });
    } catch (err) {
      // A property whose type changed so it no longer converts: fail this profile only.
      toCancel.push(...state.open.map((e) => e.id));
      inserts.push({
        ...base,
        profileId,
        state: 'failed',
        errorLevel: 'error',
        errorMessage: String((err as Error).message),
        completedAt: new Date(),
      });
      finalProfiles.push(profileId);
      result.failed++;
      continue;
    }
    if (plan === null || !plan.hasChanges) {
      toCancel.push(...state.open.map((e) => e.id));
      finalProfiles.push(profileId);
      if (plan === null) result.skipped++;
      else {
        result.unchanged++;
        inserts.push({
          ...base,
          ...planColumns(plan),
          profileId,
          state: 'complete',
          completedAt: new Date(),
        });
      }
      continue;
    }
    // A retried or resumed export with the same content keeps its row and its attempts.
    const same = [...state.open].reverse().find((e) => samePlan(e, plan));
    toCancel.push(...state.open.filter((e) => e !== same).map((e) => e.id));
    if (same) {
      reused.push({ exportId: same.id, profileId, plan, attempts: same.attempts });
      continue;
    }
    const startedAt = new Date();
    inserts.push({ ...base, ...planColumns(plan), profileId, state: 'processing', startedAt });
  }

  await db.transaction(async (tx) => {
    if (toCancel.length > 0) {
      const canceled = await tx
        .update(exports)
        .set({
          state: 'canceled',
          errorMessage: replacedMessage,
          errorLevel: 'info',
          completedAt: new Date(),
        })
        .where(inArray(exports.id, toCancel))
        .returning({ id: exports.id });
      result.canceled += canceled.length;
    }
    const inserted =
      inserts.length === 0 ? [] : await tx.insert(exports).values(inserts).returning();
    if (reused.length > 0) {
      await tx
        .update(exports)
        .set({ state: 'processing', startedAt: new Date() })
        .where(
          inArray(
            exports.id,
            reused.map((r) => r.exportId),
          ),
        );
    }
    const noOps = inserted.filter((e) => e.state === 'complete');
    await moveBaselines(tx, destination.id, noOps);
    await clearOutbox(tx, destination.id, noted, finalProfiles);

    for (const e of inserted.filter((row) => row.state === 'processing')) {
      result.toSend.push(
        toChange(e.id, e.profileId, e, e.attempts, input.states.get(e.profileId)!),
      );
    }
    for (const r of reused) {
      result.toSend.push(
        toChange(r.exportId, r.profileId, r.plan, r.attempts, input.states.get(r.profileId)!),
      );
    }
  });
  result.toSend.push(...awaiting);
  return result;
}

function tryPlan(plan: () => ExportPlan | null): ExportPlan | null {
  try {
    return plan();
  } catch {
    return null;
  }
}

/** The check of an export's remote job; stale when the profile's plan moved on meanwhile. */
function awaitingJob(row: ExportRow, state: ProfileState, plan: ExportPlan | null): PreparedChange {
  const change = toChange(row.id, row.profileId, row, row.attempts, state);
  const stale = !(plan?.hasChanges && samePlan(row, plan));
  return { ...change, remoteJobId: row.remoteJobId, stale };
}

/** Whether no export of the profile completed after the failed one (it is not stale). */
function isStillNewest(failed: ExportRow, state: ProfileState): boolean {
  return state.baseline === null || state.baseline.exportId < failed.id;
}

function planColumns(plan: ExportPlan) {
  const { toDelete, oldProperties, newProperties, oldGroups, newGroups, hasChanges } = plan;
  return { toDelete, oldProperties, newProperties, oldGroups, newGroups, hasChanges };
}

function toChange(
  exportId: number,
  profileId: string,
  plan: Omit<ExportPlan, 'hasChanges'>,
  attempts: number,
  state: ProfileState,
): PreparedChange {
  const remoteHeldIt = state.baseline !== null && !state.baseline.toDelete;
  const kind: ChangeKind = plan.toDelete ? 'deleted' : remoteHeldIt ? 'updated' : 'created';
  const { toDelete, oldProperties, newProperties, oldGroups, newGroups } = plan;
  return {
    exportId,
    profileId,
    toDelete,
    oldProperties,
    newProperties,
    oldGroups,
    newGroups,
    kind,
    attempts,
    remoteJobId: null,
    stale: false,
  };
}
