import type { SyncOperations } from '../../lib/domain';
import type { ExportChange, ExportOutcome } from '../types';
import { externalIdField } from './fields';
import { externalIdOf } from './payload';
import type { BrazeUsers } from './users';

/** What one batch's export works on. */
export interface Target {
  users: BrazeUsers;
  groupsAttribute: string;
  syncOperations: SyncOperations;
}

export const info = (profileId: string, message: string): ExportOutcome => ({
  profileId,
  status: 'failed',
  level: 'info',
  message,
});

export const idOf = (props: ExportChange['newProperties']) => externalIdOf(props[externalIdField]);
