import postgres from 'postgres';
import { RemoteRefusedError, type Connector } from '../types';
import { asConnectionFailure, targetName } from './errors';
import { exportToPostgres } from './export';
import {
  postgresAppOptions,
  postgresDestinationOptions,
  type PostgresAppOptions,
  type PostgresDestinationOptions,
} from './options';
import { passwordOf, redact, targetPool } from './pool';
import { mappingOptionsFor, readColumns, schemaExists, type TableColumn } from './table';

export { closePostgresPools } from './pool';

/** Connects with a throwaway client, so a wrong URL never lands in the pool cache. */
async function testConnection(options: PostgresAppOptions) {
  const sql = postgres(options.connectionString, {
    max: 1,
    connect_timeout: 10,
    onnotice: () => {},
  });
  try {
    const [row] = await sql<{ database: string; version: string; schemaExists: boolean }[]>`
      select current_database() as database,
        current_setting('server_version') as version,
        exists (select 1 from pg_namespace where nspname = ${options.schema}) as "schemaExists"`;
    const where = `database "${row!.database}" (PostgreSQL ${row!.version})`;
    if (!row!.schemaExists) {
      return {
        ok: false,
        message: `connected to ${where}, but schema "${options.schema}" is missing`,
      };
    }
    return { ok: true, message: `connected to ${where}` };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const secret = passwordOf(options.connectionString);
    return { ok: false, message: `could not connect: ${redact(message, secret)}` };
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** Writes profiles as rows of a table in a target Postgres database. */
export const postgresConnector: Connector<PostgresAppOptions, PostgresDestinationOptions> = {
  type: 'postgres',
  displayName: 'Postgres table',
  app: {
    type: 'postgres',
    displayName: 'Postgres database',
    options: postgresAppOptions,
    secretOptions: ['connectionString'],
    test: testConnection,
  },
  destinationOptions: postgresDestinationOptions,
  syncModes: ['sync', 'additive', 'enrich'],
  groupLabel: 'text[] column or groups table',
  maxBatchSize: 500,
  maxConcurrency: 4,
  async mappingOptions(ctx) {
    const app = postgresAppOptions.parse(ctx.appOptions);
    const options = postgresDestinationOptions.parse(ctx.destinationOptions);
    const sql = targetPool(app.connectionString);
    try {
      const columns = await readColumns(sql, app.schema, options.table);
      // A table's columns prove its schema exists; a table still to be created needs one.
      if (columns.length === 0 && !(await schemaExists(sql, app.schema))) {
        throw new RemoteRefusedError(
          `${targetName(app.connectionString)} has no schema "${app.schema}": ` +
            "Outflow does not create schemas; create it or change the app's schema",
        );
      }
      if (!options.createTable) await requireTables(sql, app, options, columns);
      return mappingOptionsFor(options, columns);
    } catch (error) {
      throw asConnectionFailure(error, app.connectionString);
    }
  },
  exportBatch: exportToPostgres,
};

/**
 * Without `createTable`, what every export writes must already be there: the table, its key
 * column, and the groups column or table (written even when no group is mapped, as empty).
 * Refused here, a destination is a 422 naming what is missing instead of failing every export.
 */
async function requireTables(
  sql: postgres.Sql,
  app: PostgresAppOptions,
  options: PostgresDestinationOptions,
  columns: TableColumn[],
): Promise<void> {
  const table = `${app.schema}.${options.table}`;
  const fix = 'create it, or set createTable to let Outflow create it';
  if (columns.length === 0) throw new RemoteRefusedError(`table "${table}" does not exist: ${fix}`);
  const names = new Set(columns.map((c) => c.name));
  if (!names.has(options.keyColumn)) {
    throw new RemoteRefusedError(`table "${table}" has no key column "${options.keyColumn}"`);
  }
  if (options.groupsTable) {
    const groups = await readColumns(sql, app.schema, options.groupsTable);
    if (groups.length === 0) {
      throw new RemoteRefusedError(
        `groups table "${app.schema}.${options.groupsTable}" does not exist: ${fix}`,
      );
    }
  } else if (!names.has(options.groupsColumn)) {
    throw new RemoteRefusedError(
      `table "${table}" has no groups column "${options.groupsColumn}" (text[]): add it, ` +
        'name another with groupsColumn, or set createTable',
    );
  }
}
