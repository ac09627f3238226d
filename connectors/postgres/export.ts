import type postgres from 'postgres';
import { logger } from '../../lib/logger';
import type { ConnectorContext, ExportChange, ExportOutcome } from '../types';
import {
  postgresAppOptions,
  postgresDestinationOptions,
  updatedAtColumn,
  type PostgresAppOptions,
  type PostgresDestinationOptions,
} from './options';
import { fieldSamples, planChange, type RowPlan } from './plan';
import { asConnectionFailure, isConnectionFailure } from './errors';
import { isTransient, passwordOf, redact, targetPool } from './pool';
import { ensureTable, readColumns } from './table';
import { applyPlans, type Target } from './write';

type Context = ConnectorContext<PostgresAppOptions, PostgresDestinationOptions>;

/**
 * Writes a batch into the target table. The whole batch goes in one transaction; when a
 * statement fails because of some profile's data, the batch is replayed profile by profile
 * so that only the culprits fail. Connection-level errors are thrown for the engine to retry,
 * and so are a refused login and a missing database or schema: once the app's options are
 * fixed the retried batch goes through, where a permanent failure is never retried.
 */
export async function exportToPostgres(
  ctx: Context,
  changes: ExportChange[],
): Promise<ExportOutcome[]> {
  const app = postgresAppOptions.parse(ctx.appOptions);
  const options = postgresDestinationOptions.parse(ctx.destinationOptions);
  const outcomes = new Map<string, ExportOutcome>();
  const plans: RowPlan[] = [];
  for (const change of changes) {
    const planned = planChange(change, options, ctx.syncOperations);
    if ('kind' in planned) plans.push(planned);
    else outcomes.set(change.profileId, planned);
  }
  const secret = passwordOf(app.connectionString);
  const failAll = (error: unknown) => {
    const message = redact(errorMessage(error), secret);
    for (const p of plans) outcomes.set(p.profileId, failure(p.profileId, message));
  };

  if (plans.length > 0) {
    ctx.signal?.throwIfAborted();
    const sql = targetPool(app.connectionString);
    let target: Target | undefined;
    try {
      const columns = options.createTable
        ? await ensureTable(sql, app.schema, options, fieldSamples(plans), ctx.fieldTypes)
        : await readColumns(sql, app.schema, options.table);
      const hasUpdatedAt = columns.some((c) => c.name === updatedAtColumn);
      target = { schema: app.schema, options, hasUpdatedAt, operations: ctx.syncOperations };
    } catch (error) {
      // Not being let in is about the app's options, not the data: the batch is retried.
      // A refused `create table` (permissions, a clashing type) will not fix itself.
      if (isTransient(error) || isConnectionFailure(error)) {
        throw asConnectionFailure(error, app.connectionString);
      }
      failAll(error);
    }
    if (target) {
      await writePlans(sql, ctx.destinationId, target, plans, outcomes, secret).catch((error) => {
        throw asConnectionFailure(error, app.connectionString);
      });
    }
  }
  return changes.map(
    (c) => outcomes.get(c.profileId) ?? { profileId: c.profileId, status: 'complete' },
  );
}

async function writePlans(
  sql: postgres.Sql,
  destinationId: string,
  target: Target,
  plans: RowPlan[],
  outcomes: Map<string, ExportOutcome>,
  secret: string | undefined,
): Promise<void> {
  const record = (failed: ExportOutcome[]) => failed.forEach((o) => outcomes.set(o.profileId, o));
  try {
    record(await sql.begin((tx) => applyPlans(tx, target, plans)));
    return;
  } catch (error) {
    if (isTransient(error) || isConnectionFailure(error)) throw error;
    logger.warn(
      { destinationId, code: sqlState(error), profiles: plans.length },
      'postgres batch refused; retrying profile by profile',
    );
  }
  for (const plan of plans) {
    try {
      record(await sql.begin((tx) => applyPlans(tx, target, [plan])));
    } catch (error) {
      if (isTransient(error) || isConnectionFailure(error)) throw error;
      outcomes.set(plan.profileId, failure(plan.profileId, redact(errorMessage(error), secret)));
    }
  }
}

function failure(profileId: string, message: string): ExportOutcome {
  return { profileId, status: 'failed', level: 'error', message };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sqlState(error: unknown): string | undefined {
  return (error as { code?: string }).code;
}
