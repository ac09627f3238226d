import { randomUUID } from 'node:crypto';
import { sendgridConnector } from '../../../connectors/sendgrid';
import type { ConnectorContext, ExportChange, ExportOutcome } from '../../../connectors/types';
import type {
  SendgridAppOptions,
  SendgridDestinationOptions,
} from '../../../connectors/sendgrid/options';
import { syncOperationsFor, type SyncMode } from '../../../lib/domain';
import type { FakeSendgrid } from './server';

/** App options aimed at `fake`: jobs polled quickly, a missing contact taken as gone soon. */
export function sendgridAppOptionsFor(fake: FakeSendgrid, more: Partial<SendgridAppOptions> = {}) {
  return {
    apiKey: fake.apiKey,
    baseUrl: fake.baseUrl,
    timeoutMs: 5_000,
    jobPollMs: 100,
    searchWaitMs: 1_000,
    ...more,
  } satisfies SendgridAppOptions;
}

/** A connector context aimed at `fake`. */
export function sendgridContext(
  fake: FakeSendgrid,
  mode: SyncMode = 'sync',
  more: Partial<SendgridAppOptions> = {},
): ConnectorContext<SendgridAppOptions, SendgridDestinationOptions> {
  return {
    appId: `app_${randomUUID()}`,
    appOptions: sendgridAppOptionsFor(fake, more),
    destinationId: `dst_${randomUUID()}`,
    destinationOptions: {},
    syncOperations: syncOperationsFor(mode),
  };
}

let exportId = 0;

export function contactChange(profileId: string, more: Partial<ExportChange> = {}): ExportChange {
  exportId += 1;
  return {
    exportId,
    profileId,
    toDelete: false,
    oldProperties: {},
    newProperties: { email: `${profileId}@example.com` },
    oldGroups: [],
    newGroups: [],
    ...more,
  };
}

/** A fresh email, so tests sharing one fake never meet. */
export const uniqueEmail = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.com`;

type Ctx = ReturnType<typeof sendgridContext>;

/**
 * Sends, then checks every waiting export until it reports, as the engine's timers would:
 * exports waiting on the same jobs are checked together. Fails when they never settle.
 */
export async function sendAndSettle(
  ctx: Ctx,
  changes: ExportChange[],
  timeoutMs = 15_000,
): Promise<ExportOutcome[]> {
  return settle(ctx, changes, await sendgridConnector.exportBatch(ctx, changes), timeoutMs);
}

/** Checks the exports of `outcomes` that wait, until none does (see `sendAndSettle`). */
export async function settle(
  ctx: Ctx,
  changes: ExportChange[],
  outcomes: ExportOutcome[],
  timeoutMs = 15_000,
): Promise<ExportOutcome[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const waiting = new Map<string, ExportChange[]>();
    for (const o of outcomes) {
      if (o.status !== 'processing') continue;
      const change = changes.find((c) => c.profileId === o.profileId)!;
      waiting.set(o.jobId, [...(waiting.get(o.jobId) ?? []), change]);
    }
    if (waiting.size === 0) return outcomes;
    await new Promise((r) => setTimeout(r, 100));
    for (const [jobId, group] of waiting) {
      const checked = await sendgridConnector.checkJob!(ctx, jobId, group);
      outcomes = outcomes.map((o) => checked.find((c) => c.profileId === o.profileId) ?? o);
    }
  }
  throw new Error(`exports still waiting after ${timeoutMs} ms: ${JSON.stringify(outcomes)}`);
}

/** The requests the local API received that concern `email` (by body, or by its contact id). */
export function requestsConcerning(fake: FakeSendgrid, email: string, ids: string[] = []) {
  const needles = [email.toLowerCase(), ...ids];
  return fake.requests.filter((r) =>
    needles.some((n) => JSON.stringify(r.body).includes(n) || r.path.includes(n)),
  );
}
