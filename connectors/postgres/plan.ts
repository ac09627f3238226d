import type { ScalarValue, SyncOperations } from '../../lib/domain';
import type { ExportChange, ExportOutcome } from '../types';
import { identifierPattern, updatedAtColumn, type PostgresDestinationOptions } from './options';

export type ColumnValue = ScalarValue | ScalarValue[] | null;

export type RowPlan =
  | { kind: 'delete'; profileId: string; key: string }
  | {
      kind: 'upsert';
      profileId: string;
      key: string;
      /** the key last sent, when it differs: the row is moved rather than orphaned */
      previousKey?: string;
      /** every column this profile maps; null clears a field that was sent before */
      values: Record<string, ColumnValue>;
      groups: string[];
    };

export type Planned = RowPlan | Extract<ExportOutcome, { status: 'failed' }>;

function keyOf(properties: ExportChange['newProperties'], column: string): string | undefined {
  const raw = properties[column];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined || value === '' ? undefined : String(value);
}

/** Decides, per change, which row to delete or write, or why the change cannot be applied. */
export function planChange(
  change: ExportChange,
  options: PostgresDestinationOptions,
  operations: SyncOperations,
): Planned {
  const { profileId } = change;
  const keyColumn = options.keyColumn;
  const fail = (message: string, level: 'error' | 'info' = 'error'): Planned => ({
    profileId,
    status: 'failed',
    message,
    level,
  });

  if (change.toDelete) {
    if (!operations.delete) return fail('not deleted: the sync mode never deletes rows', 'info');
    const key = keyOf(change.newProperties, keyColumn) ?? keyOf(change.oldProperties, keyColumn);
    if (key === undefined) return fail(`no value for key column ${keyColumn}`);
    return { kind: 'delete', profileId, key };
  }

  const key = keyOf(change.newProperties, keyColumn);
  if (key === undefined) return fail(`no value for key column ${keyColumn}`);
  const reserved = new Set([updatedAtColumn]);
  if (!options.groupsTable) reserved.add(options.groupsColumn);
  const values: Record<string, ColumnValue> = {};
  for (const field of new Set([
    ...Object.keys(change.oldProperties),
    ...Object.keys(change.newProperties),
  ])) {
    if (field === keyColumn) continue;
    if (!identifierPattern.test(field)) return fail(`field "${field}" is not a valid column name`);
    if (reserved.has(field)) return fail(`field "${field}" is written by Outflow itself`);
    values[field] = change.newProperties[field] ?? null;
  }
  const oldKey = keyOf(change.oldProperties, keyColumn);
  const previousKey = oldKey !== undefined && oldKey !== key ? oldKey : undefined;
  return { kind: 'upsert', profileId, key, previousKey, values, groups: change.newGroups };
}

/** Every field the batch writes, with a sample value to choose a new column's type from. */
export function fieldSamples(plans: RowPlan[]): Map<string, ScalarValue | ScalarValue[]> {
  const samples = new Map<string, ScalarValue | ScalarValue[]>();
  for (const plan of plans) {
    if (plan.kind !== 'upsert') continue;
    for (const [field, value] of Object.entries(plan.values)) {
      if (value !== null && !samples.has(field)) samples.set(field, value);
    }
  }
  // A field only ever cleared still needs a column to hold its NULL.
  for (const plan of plans) {
    if (plan.kind !== 'upsert') continue;
    for (const field of Object.keys(plan.values)) if (!samples.has(field)) samples.set(field, '');
  }
  return samples;
}
