import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { syncOperationsFor, type RemoteProperties, type SyncMode } from '../../lib/domain';
import {
  postgresDestinationOptions,
  type PostgresAppOptions,
  type PostgresDestinationOptions,
} from '../../connectors/postgres/options';
import type { ConnectorContext, ExportChange } from '../../connectors/types';

/** The database the connector writes into: TARGET_DATABASE_URL, else the harness's DATABASE_URL. */
export function targetUrl(): string {
  const url = process.env.TARGET_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('set TARGET_DATABASE_URL or DATABASE_URL for the postgres connector');
  return url;
}

/** A table name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

export type DestinationInput = Partial<PostgresDestinationOptions> & { table: string };

export function context(
  destination: DestinationInput,
  mode: SyncMode = 'sync',
): ConnectorContext<PostgresAppOptions, PostgresDestinationOptions> {
  return {
    appId: 'app_pg_test',
    appOptions: { connectionString: targetUrl(), schema: 'public' },
    destinationId: `dst_${destination.table}`,
    destinationOptions: postgresDestinationOptions.parse({ keyColumn: 'email', ...destination }),
    syncOperations: syncOperationsFor(mode),
  };
}

let exportId = 0;

/** One planned change; `old` defaults to nothing sent before. */
export function change(
  profileId: string,
  newProperties: RemoteProperties,
  more: Partial<ExportChange> = {},
): ExportChange {
  exportId += 1;
  return {
    exportId,
    profileId,
    toDelete: false,
    oldProperties: {},
    newProperties,
    oldGroups: [],
    newGroups: [],
    ...more,
  };
}

/** A separate client for assertions and for preparing tables by hand. */
export function inspector(): postgres.Sql {
  return postgres(targetUrl(), { max: 2, onnotice: () => {} });
}
