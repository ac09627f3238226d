import { inArray, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { loadDefinitions } from '../db/profiles';
import { apps, groups } from '../db/schema';
import { validateMapping } from '../lib/convert';
import type { CollectionType, SyncMode } from '../lib/domain';
import { connectorFor, parseOptions } from './connector-options';
import { badRequest, type Issue } from './errors';
import type { Connector } from '../connectors/types';

type Executor = Pick<Db, 'select' | 'execute'>;

/** The parts of a destination that decide what is exported; changing any re-evaluates. */
export interface DestinationDefinition {
  appId: string;
  options: Record<string, unknown>;
  collection: CollectionType;
  groupId: string | null;
  mapping: Record<string, string>;
  groupMapping: Record<string, string>;
  syncMode?: SyncMode;
}

/** The mode a destination gets when none is given: `sync` where the tool allows it. */
export function defaultSyncMode(connector: Pick<Connector, 'syncModes'>): SyncMode {
  return connector.syncModes.includes('sync') ? 'sync' : connector.syncModes[0]!;
}

/**
 * Checks a definition against its app's connector and the stored properties and groups.
 * Returns it with parsed options and a sync mode; throws a 400 naming every bad field.
 */
export async function checkDefinition(
  tx: Executor,
  destinationId: string,
  def: DestinationDefinition,
): Promise<DestinationDefinition & { syncMode: SyncMode; type: string }> {
  const [app] = await tx.select().from(apps).where(eq(apps.id, def.appId));
  if (!app) throw badRequest([{ path: 'appId', message: `app "${def.appId}" does not exist` }]);
  const connector = connectorFor(app.type, 'appId');
  const options = parseOptions(connector.destinationOptions, def.options) as Record<
    string,
    unknown
  >;
  const issues: Issue[] = [];

  const syncMode = def.syncMode ?? defaultSyncMode(connector);
  if (!connector.syncModes.includes(syncMode)) {
    const allowed = connector.syncModes.join(', ');
    issues.push({
      path: 'syncMode',
      message: `${app.type} supports ${allowed}, got "${syncMode}"`,
    });
  }
  if (def.collection === 'group' && !def.groupId) {
    issues.push({ path: 'groupId', message: 'is required when collection is "group"' });
  }
  if (def.collection !== 'group' && def.groupId) {
    issues.push({
      path: 'groupId',
      message: `must be empty when collection is "${def.collection}"`,
    });
  }
  const groupIds = [...Object.keys(def.groupMapping), ...(def.groupId ? [def.groupId] : [])];
  const found = groupIds.length
    ? await tx.select({ id: groups.id }).from(groups).where(inArray(groups.id, groupIds))
    : [];
  const exists = (id: string) => found.some((g) => g.id === id);
  if (def.groupId && !exists(def.groupId)) {
    issues.push({ path: 'groupId', message: `group "${def.groupId}" does not exist` });
  }
  for (const id of Object.keys(def.groupMapping)) {
    if (!exists(id))
      issues.push({ path: `groupMapping.${id}`, message: `group "${id}" does not exist` });
  }
  if (!connector.groupLabel && Object.keys(def.groupMapping).length > 0) {
    issues.push({
      path: 'groupMapping',
      message: `${app.type} destinations do not support groups`,
    });
  }

  const mappingOptions = await connector.mappingOptions({
    appId: app.id,
    appOptions: app.options,
    destinationId,
    destinationOptions: options,
  });
  const problems = validateMapping(mappingOptions, def.mapping, await loadDefinitions(tx));
  issues.push(...problems.map((p) => ({ path: `mapping.${p.field}`, message: p.message })));
  if (issues.length > 0) throw badRequest(issues);
  return { ...def, options, syncMode, type: app.type };
}
