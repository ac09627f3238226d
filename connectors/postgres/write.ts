import type postgres from 'postgres';
import type { SyncOperations } from '../../lib/domain';
import type { ExportOutcome } from '../types';
import { groupNameColumn, updatedAtColumn, type PostgresDestinationOptions } from './options';
import type { ColumnValue, RowPlan } from './plan';

type Upsert = Extract<RowPlan, { kind: 'upsert' }>;
type Failed = Extract<ExportOutcome, { status: 'failed' }>;

export interface Target {
  schema: string;
  options: PostgresDestinationOptions;
  /** whether the table has Outflow's `updated_at` column (tables we did not create may not) */
  hasUpdatedAt: boolean;
  operations: SyncOperations;
}

// Postgres accepts at most 65535 parameters per statement; stay well below.
const maxParameters = 30_000;

/**
 * Applies the plans in one transaction, set-based: one statement per kind of work, not per
 * profile. Returns the profiles that could not be written for a reason other than an error.
 */
export async function applyPlans(
  tx: postgres.TransactionSql,
  target: Target,
  plans: RowPlan[],
): Promise<Failed[]> {
  const { options, schema } = target;
  const table = tx(`${schema}.${options.table}`);
  const key = tx(options.keyColumn);
  const groupsTable = options.groupsTable ? tx(`${schema}.${options.groupsTable}`) : undefined;

  const deleteKeys = async (keys: string[]) => {
    if (keys.length === 0) return;
    await tx`delete from ${table} where ${key} in ${tx(keys)}`;
    if (groupsTable) await tx`delete from ${groupsTable} where ${key} in ${tx(keys)}`;
  };

  await deleteKeys(plans.flatMap((p) => (p.kind === 'delete' ? [p.key] : [])));
  let upserts = plans.filter((p): p is Upsert => p.kind === 'upsert');

  // An identifier change moves the row, so the remote keeps one row per profile (Grouparoo
  // left the old one behind). When the new key is taken, the old row goes if the mode allows.
  for (const plan of upserts) {
    if (plan.previousKey === undefined) continue;
    const moved = await tx`
      update ${table} set ${key} = ${plan.key}
      where ${key} = ${plan.previousKey}
        and not exists (select 1 from ${table} where ${key} = ${plan.key})
      returning 1`;
    if (moved.length > 0 && groupsTable) {
      await tx`delete from ${groupsTable} where ${key} = ${plan.previousKey}`;
    } else if (moved.length === 0 && target.operations.delete) {
      await deleteKeys([plan.previousKey]);
    }
  }

  const failed: Failed[] = [];
  if (!target.operations.create && upserts.length > 0) {
    // Locking the rows keeps a concurrent delete from letting the upsert below create them.
    const found = await tx`
      select ${key} as key from ${table}
      where ${key} in ${tx(upserts.map((p) => p.key))}
      for update`;
    const existing = new Set(found.map((r) => String(r.key)));
    for (const plan of upserts.filter((p) => !existing.has(p.key))) {
      failed.push({
        profileId: plan.profileId,
        status: 'failed',
        level: 'info',
        message: 'not created: enrich mode only updates existing rows',
      });
    }
    upserts = upserts.filter((p) => existing.has(p.key));
  }

  const updatedAt = new Date();
  for (const group of groupByColumns(upserts)) {
    const columns = [options.keyColumn, ...group.columns];
    if (!options.groupsTable) columns.push(options.groupsColumn);
    if (target.hasUpdatedAt) columns.push(updatedAtColumn);
    const rows = group.plans.map((plan) => {
      const row: Record<string, ColumnValue | Date> = { ...plan.values };
      row[options.keyColumn] = plan.key;
      if (!options.groupsTable) row[options.groupsColumn] = plan.groups;
      if (target.hasUpdatedAt) row[updatedAtColumn] = updatedAt;
      return row;
    });
    const updated = columns.slice(1);
    for (const chunk of chunks(rows, Math.max(1, Math.floor(maxParameters / columns.length)))) {
      await (updated.length > 0
        ? tx`insert into ${table} ${tx(chunk, columns)}
            on conflict (${key}) do update
            set (${columnList(tx, updated)}) = row(${columnList(tx, updated, 'excluded.')})`
        : tx`insert into ${table} ${tx(chunk, columns)} on conflict (${key}) do nothing`);
    }
  }

  if (groupsTable && upserts.length > 0) {
    await tx`delete from ${groupsTable} where ${key} in ${tx(upserts.map((p) => p.key))}`;
    const memberships = upserts.flatMap((p) =>
      p.groups.map((name) => ({ [options.keyColumn]: p.key, [groupNameColumn]: name })),
    );
    for (const chunk of chunks(memberships, maxParameters / 2)) {
      await tx`insert into ${groupsTable} ${tx(chunk, options.keyColumn, groupNameColumn)}
        on conflict do nothing`;
    }
  }
  return failed;
}

/**
 * A comma-separated list of quoted columns. Built by hand because postgres.js guesses what an
 * array means from the keyword before it, and guesses wrong after `row(`.
 */
function columnList(tx: postgres.TransactionSql, names: string[], prefix = '') {
  return tx.unsafe(names.map((n) => `${prefix}"${n.replaceAll('"', '""')}"`).join(', '));
}

/** Profiles writing the same set of columns share one statement. */
function groupByColumns(plans: Upsert[]): { columns: string[]; plans: Upsert[] }[] {
  const groups = new Map<string, { columns: string[]; plans: Upsert[] }>();
  for (const plan of plans) {
    const columns = Object.keys(plan.values).sort();
    const signature = columns.join(',');
    const group = groups.get(signature) ?? { columns, plans: [] };
    group.plans.push(plan);
    groups.set(signature, group);
  }
  return [...groups.values()];
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
