import { z } from 'zod';

/** The names we accept for tables, columns and schemas: quoting them is always safe. */
export const identifierPattern = /^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/;
/** `identifierPattern` in words, for a mapped field: "… is not <columnNameRule>". */
export const columnNameRule =
  'a Postgres column name (letters, digits and _, not starting with a digit; at most 63)';

/** A Postgres identifier we can quote safely; the error names the option and quotes the value. */
function identifier(option: string) {
  return z.string().refine((value) => identifierPattern.test(value), {
    error: (issue) =>
      `${option} must be a Postgres identifier (letters, digits, _; at most 63), got "${String(issue.input)}"`,
  });
}

function isPostgresUrl(value: string): boolean {
  try {
    const protocol = new URL(value).protocol;
    return protocol === 'postgres:' || protocol === 'postgresql:';
  } catch {
    return false;
  }
}

export const postgresAppOptions = z.object({
  // The value is a secret, so the message does not quote it.
  connectionString: z.string().refine(isPostgresUrl, {
    error: 'connectionString must be a postgres:// or postgresql:// URL',
  }),
  schema: identifier('schema').default('public'),
});
export type PostgresAppOptions = z.infer<typeof postgresAppOptions>;

export const postgresDestinationOptions = z
  .object({
    table: identifier('table'),
    /** the column identifying a profile, e.g. `email` */
    keyColumn: identifier('keyColumn'),
    /** a `text[]` column of remote group names; unused when `groupsTable` is set */
    groupsColumn: identifier('groupsColumn').default('groups'),
    /** write `(keyColumn, group_name)` rows into this table instead of a column */
    groupsTable: identifier('groupsTable').optional(),
    /** create the table, the groups table and missing columns as needed */
    createTable: z.boolean().default(true),
  })
  .refine((o) => o.groupsTable !== undefined || o.groupsColumn !== o.keyColumn, {
    path: ['groupsColumn'],
    error: 'groupsColumn must differ from keyColumn',
  })
  .refine((o) => o.groupsTable !== o.table, {
    path: ['groupsTable'],
    error: 'groupsTable must differ from table',
  });
export type PostgresDestinationOptions = z.infer<typeof postgresDestinationOptions>;

/** The column Outflow stamps on every write, so the remote shows when a row last changed. */
export const updatedAtColumn = 'updated_at';
/** The group-name column of a groups table. */
export const groupNameColumn = 'group_name';
