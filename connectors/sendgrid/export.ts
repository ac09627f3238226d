import type { ExportChange, ExportOutcome } from '../types';
import type { Failed, SendgridApi } from './api';
import { outcomeOf } from './client';
import { resolveLists } from './lists';
import { encodePending, type Pending } from './pending';
import { emailOf } from './payload';
import { stepFor, type Step, type StepTarget, type UpsertStep } from './steps';

export interface Target extends StepTarget {
  api: SendgridApi;
}

/** Where a change stands after sending: the jobs it started and the first step that failed. */
interface Progress {
  jobs: string[];
  failure?: ExportOutcome;
}

/** How often a change is sent again after a step failed while other steps had started. */
const maxResends = 3;
const perCall = 100;

/**
 * Sends a batch. Every change ends `processing` with the SendGrid jobs it started (see
 * `pending.ts`), and is complete only once `checkJob` heard that all of them completed. The
 * upserts go first, as the only step SendGrid may refuse per contact; list removals and
 * deletes follow. A job once started is always recorded, so nothing newer can overtake it.
 */
export async function exportChanges(
  target: Target,
  changes: ExportChange[],
  resume: { since?: number; resends?: number } = {},
): Promise<ExportOutcome[]> {
  const { api } = target;
  const emails = changes.flatMap((c) => [emailOf(c.oldProperties), emailOf(c.newProperties)]);
  const found = await api.findByEmails(emails.filter((e): e is string => e !== null));
  if (!(found instanceof Map)) {
    return changes.map((c) => outcomeOf(c.profileId, 'search contacts', found));
  }
  const now = Date.now();
  const steps = changes.map((c) => stepFor(target, c, found, { since: resume.since ?? now, now }));
  const progress = new Map<Step, Progress>(steps.map((s) => [s, { jobs: [] }]));
  const upserts = steps.filter((s): s is UpsertStep => s.kind === 'upsert');

  const lists = await resolveLists(
    api,
    new Set(upserts.flatMap((s) => s.groups)),
    upserts.some((s) => s.removals.length > 0 || s.dropGroups.length > 0),
  );
  if (lists instanceof Map) {
    await startUpserts(api, lists, upserts, progress);
    const started = upserts.filter((s) => !progress.get(s)!.failure);
    await startRemovals(api, lists, started, progress);
  } else {
    for (const s of upserts)
      progress.get(s)!.failure = outcomeOf(s.change.profileId, 'read lists', lists);
  }
  await startDeletes(api, steps, progress);

  return steps.map((step) => {
    if (step.kind === 'final') return step.outcome;
    return outcomeFor(target, step, progress.get(step)!, resume.resends ?? 0);
  });
}

function outcomeFor(target: Target, step: Step, p: Progress, resends: number): ExportOutcome {
  const { profileId } = step.change;
  const waitFor = (pending: Pending, afterMs = target.pollAfterMs): ExportOutcome => ({
    profileId,
    status: 'processing',
    jobId: encodePending(pending),
    pollAfterMs: afterMs,
  });
  const { failure, jobs } = p;
  if (!failure) {
    return waitFor({ jobs, ...(step.kind === 'upsert' && step.then ? { next: step.then } : {}) });
  }
  if (jobs.length === 0) return failure;
  // Jobs already started must report before anything else is sent for this profile; then the
  // change is sent again, after the wait a 429 asked for. Only other failures use up resends.
  if (failure.status === 'retry' && (failure.rateLimited || resends < maxResends)) {
    const counted = failure.rateLimited ? resends : resends + 1;
    const afterMs = Math.max(target.pollAfterMs, failure.retryAfterMs ?? 0);
    return waitFor({ jobs, next: 'resend', resends: counted }, afterMs);
  }
  const message = 'message' in failure ? failure.message : 'SendGrid refused a step';
  return waitFor({ jobs, failure: message });
}

async function startUpserts(
  api: SendgridApi,
  lists: Map<string, string>,
  upserts: UpsertStep[],
  progress: Map<Step, Progress>,
) {
  // `list_ids` applies to every contact of a request: one request per set of lists.
  const bySet = new Map<string, UpsertStep[]>();
  for (const step of upserts) {
    const dropped = new Set(step.dropGroups.map((g) => lists.get(g)));
    const kept = step.keepListIds.filter((id) => !dropped.has(id));
    const ids = [...new Set([...kept, ...step.groups.map((g) => lists.get(g)!)])].sort();
    bySet.set(ids.join(','), [...(bySet.get(ids.join(',')) ?? []), step]);
  }
  for (const [key, group] of bySet) {
    const listIds = key === '' ? [] : key.split(',');
    let batch = group;
    // A 400 names refused contacts by index: fail those, send the rest once more.
    for (let round = 0; round < 2 && batch.length > 0; round++) {
      const job = await api.upsert(
        batch.map((s) => s.contact),
        listIds,
      );
      if (typeof job === 'string') {
        for (const s of batch) progress.get(s)!.jobs.push(job);
        break;
      }
      const refused = refusedIndexes(job);
      if (refused.size === 0 || round === 1) return fail(batch, 'upsert contacts', job, progress);
      batch.forEach((s, i) => {
        const message = `SendGrid refused the contact: ${refused.get(i)}`;
        const failure = {
          profileId: s.change.profileId,
          status: 'failed',
          message,
          level: 'error',
        };
        if (refused.has(i)) progress.get(s)!.failure = failure as ExportOutcome;
      });
      batch = batch.filter((_, i) => !refused.has(i));
    }
  }
}

async function startRemovals(
  api: SendgridApi,
  lists: Map<string, string>,
  upserts: UpsertStep[],
  progress: Map<Step, Progress>,
) {
  // Sent whether or not search lists the contact there: search may not show our latest add.
  const byList = new Map<string, { ids: string[]; steps: UpsertStep[] }>();
  for (const step of upserts) {
    for (const { contactId, groups } of step.removals) {
      for (const name of groups) {
        const listId = lists.get(name);
        if (!listId) continue; // a list deleted in SendGrid holds nobody
        const entry = byList.get(listId) ?? { ids: [], steps: [] };
        entry.ids.push(contactId);
        entry.steps.push(step);
        byList.set(listId, entry);
      }
    }
  }
  for (const [listId, { ids, steps }] of byList) {
    for (let i = 0; i < ids.length; i += perCall) {
      const chunk = ids.slice(i, i + perCall);
      const job = await api.removeFromList(listId, [...new Set(chunk)]);
      const concerned = [...new Set(steps.slice(i, i + perCall))];
      if (typeof job === 'string') for (const s of concerned) progress.get(s)!.jobs.push(job);
      else if (job !== null) fail(concerned, 'remove contacts from a list', job, progress);
    }
  }
}

async function startDeletes(api: SendgridApi, steps: Step[], progress: Map<Step, Progress>) {
  const deletes = steps.filter((s): s is Extract<Step, { kind: 'delete' }> => s.kind === 'delete');
  for (let i = 0; i < deletes.length; i += perCall) {
    const chunk = deletes.slice(i, i + perCall);
    const job = await api.deleteContacts([...new Set(chunk.map((s) => s.contactId))]);
    if (typeof job === 'string') for (const s of chunk) progress.get(s)!.jobs.push(job);
    else fail(chunk, 'delete contacts', job, progress);
  }
}

function refusedIndexes(failed: Failed): Map<number, string> {
  const refused = new Map<number, string>();
  if (failed.kind !== 'error' || failed.status !== 400) return refused;
  for (const e of failed.errors) {
    const index = /^contacts\[(\d+)\]/.exec(e.field ?? '')?.[1];
    if (index !== undefined) refused.set(Number(index), e.message);
  }
  return refused;
}

function fail(steps: Step[], what: string, failed: Failed, progress: Map<Step, Progress>) {
  for (const s of steps) {
    const p = progress.get(s)!;
    p.failure ??= outcomeOf(s.change.profileId, what, failed);
  }
}
