import { own } from './own';
import type {
  CollectionType,
  ProfileProperties,
  PropertyType,
  RemoteProperties,
  ScalarValue,
  SyncMode,
} from './domain';
import { convertValue } from './convert';
import type { MappingOptions, RemoteFieldType } from '../connectors/types';

/**
 * Export planning: what one profile's export to one destination must say. Pure and
 * deterministic so it runs in activities and unit tests alike (docs/architecture.md,
 * "Export semantics").
 */

export interface PlanDestination {
  collection: CollectionType;
  groupId: string | null;
  /** remote field → property key */
  mapping: Record<string, string>;
  /** group id → remote name */
  groupMapping: Record<string, string>;
  syncMode: SyncMode;
}

/** What the last complete export of this profile said. */
export interface PlanBaseline {
  toDelete: boolean;
  newProperties: RemoteProperties;
  newGroups: string[];
}

export interface PlanInput {
  destination: PlanDestination;
  propertyTypes: Record<string, { type: PropertyType; isArray: boolean }>;
  mappingOptions: MappingOptions;
  /** null when the profile was deleted */
  profile: { id: string; properties: ProfileProperties } | null;
  memberGroupIds: string[];
  baseline: PlanBaseline | null;
  force: boolean;
}

export interface ExportPlan {
  toDelete: boolean;
  oldProperties: RemoteProperties;
  newProperties: RemoteProperties;
  oldGroups: string[];
  newGroups: string[];
  hasChanges: boolean;
}

/** Plans one profile's export; null when there is nothing to send and nothing to record. */
export function planExport(input: PlanInput): ExportPlan | null {
  const { destination, profile, baseline } = input;
  let toDelete = !inScope(destination, profile, input.memberGroupIds);
  const remoteHoldsIt = baseline !== null && !baseline.toDelete;
  // Out of scope and never sent (or already deleted remotely): there is nothing to undo.
  if (toDelete && !remoteHoldsIt) return null;

  const oldProperties = remoteHoldsIt ? baseline.newProperties : {};
  const oldGroups = remoteHoldsIt ? baseline.newGroups : [];
  let newProperties = profile ? mapProperties(input, profile.properties) : {};
  let newGroups = remoteGroups(destination.groupMapping, input.memberGroupIds);

  // A delete needs the identifier the remote knows; a deleted profile has none of its own.
  const identifier = input.mappingOptions.required[0]?.key;
  const lostIdentifier = identifier !== undefined && !Object.hasOwn(newProperties, identifier);
  if (toDelete && remoteHoldsIt && (profile === null || lostIdentifier)) {
    newProperties = baseline.newProperties;
  }

  // As Grouparoo: modes that never delete keep the record and take away only our groups.
  if (toDelete && destination.syncMode !== 'sync') {
    toDelete = false;
    newGroups = [];
  }

  // The tool cannot place a record without its identifier: fail here, named, not at the tool.
  if (!toDelete) {
    const missing = input.mappingOptions.required.find((r) => !Object.hasOwn(newProperties, r.key));
    if (missing) {
      const from = own(destination.mapping, missing.key);
      throw new Error(
        `no value for ${missing.key}, which this destination requires` +
          (from ? ` (mapped from the property ${from})` : ''),
      );
    }
  }

  const hasChanges =
    input.force ||
    !remoteHoldsIt ||
    toDelete ||
    !sameProperties(oldProperties, newProperties) ||
    !sameGroups(oldGroups, newGroups);
  return { toDelete, oldProperties, newProperties, oldGroups, newGroups, hasChanges };
}

function inScope(
  destination: PlanDestination,
  profile: PlanInput['profile'],
  memberGroupIds: string[],
): boolean {
  if (profile === null) return false;
  switch (destination.collection) {
    case 'all':
      return true;
    case 'group':
      return destination.groupId !== null && memberGroupIds.includes(destination.groupId);
    case 'none':
      return false;
  }
}

function mapProperties(input: PlanInput, values: ProfileProperties): RemoteProperties {
  const { mappingOptions, propertyTypes } = input;
  const fieldTypes = new Map<string, RemoteFieldType>();
  for (const f of [...mappingOptions.known, ...mappingOptions.required])
    fieldTypes.set(f.key, f.type);
  const arraysEverywhere = mappingOptions.arrayFields.includes('*');

  const mapped: RemoteProperties = {};
  for (const [remoteKey, propertyKey] of Object.entries(input.destination.mapping)) {
    const property = own(propertyTypes, propertyKey);
    const value = values[propertyKey];
    // A property removed since the mapping was saved behaves like an absent value.
    if (!property || value === null || value === undefined) continue;
    // Custom fields (outside the connector's list) take any value as it is stored.
    const to = fieldTypes.get(remoteKey) ?? 'any';
    const convert = (v: ScalarValue) => convertValue(v, property.type, to);
    if (!Array.isArray(value)) {
      mapped[remoteKey] = convert(value);
      continue;
    }
    const present = value.filter((v) => v !== null && v !== undefined);
    if (present.length === 0) continue;
    const custom = !fieldTypes.has(remoteKey) && mappingOptions.customFieldsTakeArrays;
    if (arraysEverywhere || custom || mappingOptions.arrayFields.includes(remoteKey)) {
      mapped[remoteKey] = present.map(convert);
    } else {
      mapped[remoteKey] = convert(present[0]!);
    }
  }
  return mapped;
}

function remoteGroups(groupMapping: Record<string, string>, memberGroupIds: string[]): string[] {
  const names = new Set<string>();
  for (const groupId of memberGroupIds) {
    const name = own(groupMapping, groupId);
    if (name !== undefined) names.add(name);
  }
  return [...names].sort();
}

/** Deep equality that ignores key order (jsonb does not keep it). */
export function sameProperties(a: RemoteProperties, b: RemoteProperties): boolean {
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  return keysA.every((k) => k in b && JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

export function sameGroups(a: string[], b: string[]): boolean {
  const sa = [...new Set(a)].sort();
  const sb = [...new Set(b)].sort();
  return sa.length === sb.length && sa.every((g, i) => g === sb[i]);
}

/** Whether two plans would send the same thing (used to reuse an open export). */
export function samePlan(a: Omit<ExportPlan, 'hasChanges'>, b: Omit<ExportPlan, 'hasChanges'>) {
  return (
    a.toDelete === b.toDelete &&
    sameProperties(a.oldProperties, b.oldProperties) &&
    sameProperties(a.newProperties, b.newProperties) &&
    sameGroups(a.oldGroups, b.oldGroups) &&
    sameGroups(a.newGroups, b.newGroups)
  );
}
