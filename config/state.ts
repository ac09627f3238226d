import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import { apps, destinations, groups, properties } from '../db/schema';
import type { Kind } from './declarations';

/**
 * What is stored now, read straight from the tables (reads only: every write goes through
 * the API). Rows leave out bookkeeping columns, so two reads compare equal exactly when the
 * object's definition is the same.
 */

type Executor = Pick<Db, 'select'>;

export async function storedRow(tx: Executor, kind: Kind, id: string): Promise<unknown> {
  switch (kind) {
    case 'property': {
      const [row] = await tx.select().from(properties).where(eq(properties.key, id));
      return row && { type: row.type, unique: row.unique, isArray: row.isArray };
    }
    case 'group': {
      const [row] = await tx.select().from(groups).where(eq(groups.id, id));
      return row && { name: row.name, kind: row.kind, matchType: row.matchType, rules: row.rules };
    }
    case 'app': {
      const [row] = await tx.select().from(apps).where(eq(apps.id, id));
      return row && { name: row.name, type: row.type, options: row.options };
    }
    case 'destination': {
      const [row] = await tx.select().from(destinations).where(eq(destinations.id, id));
      if (!row) return undefined;
      const { updatedAt: _u, createdAt: _c, configVersion: _v, ...definition } = row;
      return definition;
    }
  }
}

/**
 * Ids that `--prune` may delete: every property, rule group, app and live destination.
 * Manual groups are left alone: their members are data, not configuration.
 */
export async function storedIds(tx: Executor, kind: Kind): Promise<string[]> {
  switch (kind) {
    case 'property':
      return (await tx.select({ id: properties.key }).from(properties)).map((r) => r.id);
    case 'group':
      return (await tx.select({ id: groups.id }).from(groups).where(eq(groups.kind, 'rules'))).map(
        (r) => r.id,
      );
    case 'app':
      return (await tx.select({ id: apps.id }).from(apps)).map((r) => r.id);
    case 'destination':
      return (
        await tx
          .select({ id: destinations.id })
          .from(destinations)
          .where(and(isNull(destinations.deletedAt)))
      ).map((r) => r.id);
  }
}
