import type postgres from 'postgres';
import type { PropertyType, ScalarValue } from '../../lib/domain';
import type { MappedFieldType, MappingOptions, RemoteFieldType } from '../types';
import {
  columnNameRule,
  groupNameColumn,
  identifierPattern,
  updatedAtColumn,
  type PostgresDestinationOptions,
} from './options';

export interface TableColumn {
  name: string;
  /** the type's internal name, e.g. `int4`, or `_text` for `text[]` */
  udtName: string;
  isArray: boolean;
}

/** The table's columns in order; an empty list when the table does not exist. */
export async function readColumns(
  sql: postgres.Sql,
  schema: string,
  table: string,
): Promise<TableColumn[]> {
  const rows = await sql<{ name: string; dataType: string; udtName: string }[]>`
    select column_name as "name", data_type as "dataType", udt_name as "udtName"
    from information_schema.columns
    where table_schema = ${schema} and table_name = ${table}
    order by ordinal_position`;
  return rows.map((r) => ({ name: r.name, udtName: r.udtName, isArray: r.dataType === 'ARRAY' }));
}

/** Whether the schema exists; `pg_namespace` lists it even to a role without rights on it. */
export async function schemaExists(sql: postgres.Sql, schema: string): Promise<boolean> {
  const [row] = await sql<{ exists: boolean }[]>`
    select exists (select 1 from pg_namespace where nspname = ${schema}) as "exists"`;
  return row!.exists;
}

const fieldTypes: Record<string, RemoteFieldType> = {
  text: 'string',
  varchar: 'string',
  bpchar: 'string',
  int2: 'integer',
  int4: 'integer',
  int8: 'integer',
  numeric: 'float',
  float4: 'float',
  float8: 'float',
  bool: 'boolean',
  timestamp: 'date',
  timestamptz: 'date',
  date: 'date',
};

/** The remote field type a column accepts (arrays by their element type). */
export function fieldTypeOf(column: TableColumn): RemoteFieldType {
  const udt = column.isArray ? column.udtName.replace(/^_/, '') : column.udtName;
  return fieldTypes[udt] ?? 'any';
}

/**
 * What the mapping may target: the table's columns, minus the ones Outflow writes itself and
 * those whose names it cannot write (a quoted name with a space, say).
 */
export function mappingOptionsFor(
  options: PostgresDestinationOptions,
  columns: TableColumn[],
): MappingOptions {
  const reserved = [updatedAtColumn, ...(options.groupsTable ? [] : [options.groupsColumn])];
  const mappable = columns.filter(
    (c) =>
      c.name !== options.keyColumn && !reserved.includes(c.name) && identifierPattern.test(c.name),
  );
  return {
    required: [{ key: options.keyColumn, type: 'any', important: true }],
    known: mappable.map((c) => ({ key: c.name, type: fieldTypeOf(c) })),
    allowCustomFields: options.createTable,
    arrayFields: mappable.filter((c) => c.isArray).map((c) => c.name),
    customFieldsTakeArrays: options.createTable,
    reservedFields: reserved,
    fieldNamePattern: { pattern: identifierPattern.source, description: columnNameRule },
  };
}

const isoDate =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const propertyColumns: Record<PropertyType, string> = {
  string: 'text',
  email: 'text',
  url: 'text',
  phone: 'text',
  integer: 'bigint',
  float: 'double precision',
  boolean: 'boolean',
  date: 'timestamptz',
};

/** The column type created for a field mapped from a property of this type. Safe as SQL. */
export function columnTypeForProperty(field: MappedFieldType): string {
  const type = propertyColumns[field.type];
  return field.isArray ? `${type}[]` : type;
}

/**
 * The column type created for a field whose property is not known (a caller that gave no
 * field types), guessed from its first value. A fixed list: safe as SQL.
 */
export function columnTypeFor(value: ScalarValue | ScalarValue[]): string {
  if (Array.isArray(value)) return value.length > 0 ? `${columnTypeFor(value[0]!)}[]` : 'text[]';
  if (typeof value === 'number') return 'double precision';
  if (typeof value === 'boolean') return 'boolean';
  return isoDate.test(value) ? 'timestamptz' : 'text';
}

/**
 * Creates the table (and the groups table) when missing and adds a column for each new field.
 * Concurrent batches of one destination serialise on an advisory lock, because two racing
 * `create table if not exists` can still collide in the catalog. Returns the columns after.
 */
export async function ensureTable(
  sql: postgres.Sql,
  schema: string,
  options: PostgresDestinationOptions,
  fields: Map<string, ScalarValue | ScalarValue[]>,
  fieldTypes: Record<string, MappedFieldType> = {},
): Promise<TableColumn[]> {
  // Every mapped field gets its column, typed by its property; others by their first value.
  const columnTypes = new Map<string, string>();
  for (const [name, sample] of fields) columnTypes.set(name, columnTypeFor(sample));
  for (const [name, field] of Object.entries(fieldTypes))
    columnTypes.set(name, columnTypeForProperty(field));
  const before = await readColumns(sql, schema, options.table);
  const groupsColumn = options.groupsTable ? [] : [options.groupsColumn];
  const wanted = [options.keyColumn, ...groupsColumn, ...columnTypes.keys()];
  const have = new Set(before.map((c) => c.name));
  const groupsTableReady =
    !options.groupsTable || (await readColumns(sql, schema, options.groupsTable)).length > 0;
  if (before.length > 0 && wanted.every((c) => have.has(c)) && groupsTableReady) return before;

  const table = sql(`${schema}.${options.table}`);
  const key = sql(options.keyColumn);
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(${`outflow:${schema}.${options.table}`}))`;
    await tx`create table if not exists ${table} (
      ${key} text primary key,
      ${sql(updatedAtColumn)} timestamptz not null default now())`;
    if (!options.groupsTable) {
      await tx`alter table ${table} add column if not exists ${sql(options.groupsColumn)}
        text[] not null default '{}'`;
    } else {
      await tx`create table if not exists ${sql(`${schema}.${options.groupsTable}`)} (
        ${key} text not null,
        ${sql(groupNameColumn)} text not null,
        primary key (${key}, ${sql(groupNameColumn)}))`;
    }
    for (const [name, type] of columnTypes) {
      if (have.has(name) || name === options.keyColumn) continue;
      await tx`alter table ${table} add column if not exists ${sql(name)} ${tx.unsafe(type)}`;
    }
  });
  return readColumns(sql, schema, options.table);
}
