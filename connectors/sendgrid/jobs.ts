import type { ExportChange, ExportOutcome } from '../types';
import { outcomeOf } from './client';
import type { Target } from './export';
import { readJobs, type JobReport } from './job-reports';
import { decodePending, encodePending, type Pending } from './pending';
import { emailOf } from './payload';

type Poller = Pick<Target, 'api' | 'pollAfterMs'>;

/**
 * How an export that waits for SendGrid is doing (see `pending.ts`): while any of its jobs is
 * `pending` it keeps waiting; a job that refused the change's contact (`errored` naming it, or
 * `failed`) fails it; once all completed, the step that follows runs (delete the old contact,
 * or send the change again), else the export is complete.
 */
export async function checkJob(
  target: Poller,
  jobId: string,
  changes: ExportChange[],
  /** sends changes again: `exportChanges`, given lazily since it needs the field definitions */
  resend: (changes: ExportChange[], resume: Pending) => Promise<ExportOutcome[]>,
): Promise<ExportOutcome[]> {
  const pending = decodePending(jobId);
  if (!pending) {
    const message = `SendGrid job reference ${jobId.slice(0, 40)} cannot be read`;
    return changes.map((c) => ({
      profileId: c.profileId,
      status: 'failed',
      message,
      level: 'error',
    }));
  }
  const reports = await readJobs(target.api, pending.jobs);
  if (!(reports instanceof Map)) {
    return changes.map((c) =>
      outcomeOf(c.profileId, `read job ${pending.jobs.join(', ')}`, reports),
    );
  }
  if ([...reports.values()].some((r) => r.status === 'pending')) {
    return changes.map((c) => ({
      profileId: c.profileId,
      status: 'processing',
      jobId,
      pollAfterMs: target.pollAfterMs,
    }));
  }

  const outcomes = new Map<string, ExportOutcome>();
  const onward: ExportChange[] = [];
  for (const change of changes) {
    const { profileId } = change;
    const refusal = refusalOf(change, [...reports.values()]) ?? pending.failure;
    if (refusal)
      outcomes.set(profileId, { profileId, status: 'failed', level: 'error', message: refusal });
    else if (pending.next) onward.push(change);
    else outcomes.set(profileId, { profileId, status: 'complete' });
  }
  if (onward.length > 0) {
    const next =
      pending.next === 'delete-old'
        ? await deleteOld(target, onward)
        : await resend(onward, pending);
    for (const o of next) outcomes.set(o.profileId, o);
  }
  return changes.map((c) => outcomes.get(c.profileId)!);
}

function refusalOf(change: ExportChange, reports: JobReport[]): string | undefined {
  const emails = [emailOf(change.newProperties), emailOf(change.oldProperties)];
  for (const report of reports) {
    if (report.status !== 'errored' && report.status !== 'failed') continue;
    const reason = emails.map((e) => (e ? report.errors.get(e) : undefined)).find(Boolean);
    // A failed job applied nothing, whether or not its errors name the contact.
    if (reason || report.status === 'failed') {
      return `SendGrid job ${report.id} refused the contact: ${reason ?? report.status}`;
    }
  }
  return undefined;
}

/** Deletes the contacts under the old emails, now that their successors exist. */
async function deleteOld(target: Poller, changes: ExportChange[]): Promise<ExportOutcome[]> {
  const outcomes: ExportOutcome[] = [];
  // A delete names at most 100 contacts.
  for (let i = 0; i < changes.length; i += 100) {
    outcomes.push(...(await deleteOldChunk(target, changes.slice(i, i + 100))));
  }
  return outcomes;
}

async function deleteOldChunk(target: Poller, changes: ExportChange[]) {
  const { api } = target;
  const olds = changes.map((c) => emailOf(c.oldProperties) ?? '');
  const found = await api.findByEmails(olds);
  if (!(found instanceof Map)) return changes.map((c) => outcomeOf(c.profileId, 'search', found));
  const ids = [...new Set(olds.flatMap((e) => (found.has(e) ? [found.get(e)!.id] : [])))];
  // Gone already (someone deleted it meanwhile): nothing is left to delete.
  const job = ids.length > 0 ? await api.deleteContacts(ids) : null;
  if (job !== null && typeof job !== 'string') {
    return changes.map((c) =>
      outcomeOf(c.profileId, 'delete the contact under the old email', job),
    );
  }
  return changes.map((c, i): ExportOutcome => {
    if (job === null || !found.has(olds[i]!)) return { profileId: c.profileId, status: 'complete' };
    const jobId = encodePending({ jobs: [job] });
    return { profileId: c.profileId, status: 'processing', jobId, pollAfterMs: target.pollAfterMs };
  });
}
