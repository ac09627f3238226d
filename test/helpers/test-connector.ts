import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import { registerConnector } from '../../connectors';
import type { Connector, ExportChange, ExportOutcome } from '../../connectors/types';
import type { RemoteProperties } from '../../lib/domain';

/**
 * An in-memory destination for tests: keeps remote records by `external_id`, records every
 * batch it received, and fails on request, per profile.
 */

export type Failure =
  | { status: 'retry'; times: number; retryAfterMs?: number; rateLimited?: boolean }
  | { status: 'failed'; message: string }
  | { status: 'throw'; times: number };

export interface RemoteRecord {
  properties: RemoteProperties;
  groups: string[];
}

export interface TestConnector {
  type: string;
  connector: Connector;
  /** remote records by external_id */
  remote: Map<string, RemoteRecord>;
  /** every batch received, in order */
  batches: ExportChange[][];
  /** profile id → how its next sends fail */
  failures: Map<string, Failure>;
  /** every change received for one profile, in order */
  sentFor(profileId: string): ExportChange[];
  /** the most batches that ever held one profile at the same time */
  maxOverlap(): number;
}

export function createTestConnector(
  options: { maxBatchSize?: number; delayMs?: number } = {},
): TestConnector {
  const type = `test-${randomUUID().slice(0, 8)}`;
  const remote = new Map<string, RemoteRecord>();
  const batches: ExportChange[][] = [];
  const failures = new Map<string, Failure>();
  const holding = new Map<string, number>();
  let maxOverlap = 0;

  const outcomeFor = (change: ExportChange): ExportOutcome => {
    const failure = failures.get(change.profileId);
    if (failure?.status === 'failed') {
      return {
        profileId: change.profileId,
        status: 'failed',
        message: failure.message,
        level: 'error',
      };
    }
    if (failure?.status === 'retry' && failure.times > 0) {
      failure.times--;
      const { retryAfterMs, rateLimited } = failure;
      return {
        profileId: change.profileId,
        status: 'retry',
        message: 'remote busy',
        retryAfterMs,
        rateLimited,
      };
    }
    const key = String(change.newProperties.external_id ?? change.oldProperties.external_id);
    if (change.toDelete) remote.delete(key);
    else remote.set(key, { properties: change.newProperties, groups: change.newGroups });
    return { profileId: change.profileId, status: 'complete' };
  };

  const connector: Connector = {
    type,
    displayName: 'Test destination',
    app: {
      type,
      displayName: 'Test app',
      options: z.object({}),
      secretOptions: [],
      test: async () => ({ ok: true, message: 'ok' }),
    },
    destinationOptions: z.object({}),
    syncModes: ['sync', 'additive', 'enrich'],
    groupLabel: 'tag',
    maxBatchSize: options.maxBatchSize ?? 50,
    maxConcurrency: 4,
    mappingOptions: async () => ({
      required: [{ key: 'external_id', type: 'any' }],
      known: [
        { key: 'email', type: 'email' },
        { key: 'name', type: 'string' },
        { key: 'ltv', type: 'float' },
      ],
      allowCustomFields: true,
      arrayFields: [],
    }),
    exportBatch: async (_ctx, changes) => {
      batches.push(changes);
      for (const c of changes) {
        holding.set(c.profileId, (holding.get(c.profileId) ?? 0) + 1);
        maxOverlap = Math.max(maxOverlap, holding.get(c.profileId)!);
      }
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      for (const c of changes) holding.set(c.profileId, holding.get(c.profileId)! - 1);
      const thrower = changes
        .map((c) => failures.get(c.profileId))
        .find((f) => f?.status === 'throw');
      if (thrower?.status === 'throw' && thrower.times > 0) {
        thrower.times--;
        throw new Error('connection reset');
      }
      return changes.map(outcomeFor);
    },
  };
  registerConnector(connector);
  return {
    type,
    connector,
    remote,
    batches,
    failures,
    sentFor: (profileId) => batches.flat().filter((c) => c.profileId === profileId),
    maxOverlap: () => maxOverlap,
  };
}
