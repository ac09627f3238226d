/**
 * The vocabulary shared by the API, the workflows and the activities.
 * Pure types and constants only: this module is imported by workflow code.
 */

export const propertyTypes = [
  'string',
  'email',
  'integer',
  'float',
  'boolean',
  'date',
  'url',
  'phone',
] as const;
export type PropertyType = (typeof propertyTypes)[number];

/** A normalised property value as stored on a profile (dates are ISO 8601 UTC strings). */
export type ScalarValue = string | number | boolean;
export type PropertyValue = ScalarValue | ScalarValue[] | null;
export type ProfileProperties = Record<string, PropertyValue>;

export const syncModes = ['sync', 'additive', 'enrich'] as const;
export type SyncMode = (typeof syncModes)[number];

export const collectionTypes = ['all', 'group', 'none'] as const;
export type CollectionType = (typeof collectionTypes)[number];

export const exportStates = ['pending', 'processing', 'complete', 'failed', 'canceled'] as const;
export type ExportState = (typeof exportStates)[number];

export type ErrorLevel = 'error' | 'info';

/** What a sync mode allows a connector to do remotely. */
export interface SyncOperations {
  create: boolean;
  update: boolean;
  delete: boolean;
}

export function syncOperationsFor(mode: SyncMode): SyncOperations {
  switch (mode) {
    case 'sync':
      return { create: true, update: true, delete: true };
    case 'additive':
      return { create: true, update: true, delete: false };
    case 'enrich':
      return { create: false, update: true, delete: false };
  }
}

/** Remote field name → value, after conversion to the remote field's type. */
export type RemoteProperties = Record<string, ScalarValue | ScalarValue[]>;
