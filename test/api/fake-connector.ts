import { z } from 'zod';
import { registerConnector } from '../../connectors';
import type { Connector } from '../../connectors/types';
import { uid } from './harness';

/** A connector that exports nothing: enough for the API to validate apps and destinations. */
export function registerFakeConnector(): string {
  const type = uid('fake');
  const connector: Connector = {
    type,
    displayName: 'Fake',
    app: {
      type,
      displayName: 'Fake app',
      options: z.object({ url: z.string().url(), token: z.string().min(4) }),
      secretOptions: ['token'],
      test: async (o) => ({ ok: o.token === 'good-token', message: 'checked' }),
    },
    destinationOptions: z.object({ table: z.string().min(1) }),
    syncModes: ['sync', 'additive'],
    groupLabel: 'tag',
    maxBatchSize: 100,
    maxConcurrency: 1,
    mappingOptions: async () => ({
      required: [{ key: 'id', type: 'any' }],
      known: [
        { key: 'email', type: 'email' },
        { key: 'score', type: 'float' },
      ],
      allowCustomFields: false,
      arrayFields: [],
    }),
    exportBatch: async (_ctx, changes) =>
      changes.map((c) => ({ profileId: c.profileId, status: 'complete' as const })),
  };
  registerConnector(connector);
  return type;
}
