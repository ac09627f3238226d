import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import type {
  CollectionType,
  ErrorLevel,
  ExportState,
  ProfileProperties,
  PropertyType,
  RemoteProperties,
  SyncMode,
} from '../lib/domain';
import type { GroupRule, MatchType } from '../lib/rules';

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};

/** Typed attributes a profile may carry. The key is the stable identifier used everywhere. */
export const properties = pgTable('properties', {
  key: text('key').primaryKey(),
  type: text('type').$type<PropertyType>().notNull(),
  unique: boolean('unique').notNull().default(false),
  isArray: boolean('is_array').notNull().default(false),
  ...timestamps,
});

/** Segments of profiles: rule-based (`kind = rules`) or with explicit membership (`manual`). */
export const groups = pgTable('groups', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind').$type<'rules' | 'manual'>().notNull().default('rules'),
  matchType: text('match_type').$type<MatchType>().notNull().default('all'),
  rules: jsonb('rules').$type<GroupRule[]>().notNull().default([]),
  ...timestamps,
});

/** One customer. Property values are stored normalised, keyed by property key. */
export const profiles = pgTable(
  'profiles',
  {
    id: text('id').primaryKey(),
    properties: jsonb('properties').$type<ProfileProperties>().notNull().default({}),
    ...timestamps,
  },
  (t) => [index('profiles_properties_gin').using('gin', t.properties)],
);

export const groupMembers = pgTable(
  'group_members',
  {
    groupId: text('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    profileId: text('profile_id')
      .notNull()
      .references(() => profiles.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.groupId, t.profileId] }),
    index('group_members_profile_idx').on(t.profileId),
  ],
);

/** A connection to an outside tool. Options may hold secrets: never return them raw. */
export const apps = pgTable('apps', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  type: text('type').notNull(),
  options: jsonb('options').$type<Record<string, unknown>>().notNull().default({}),
  ...timestamps,
});

export const destinations = pgTable(
  'destinations',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'restrict' }),
    options: jsonb('options').$type<Record<string, unknown>>().notNull().default({}),
    collection: text('collection').$type<CollectionType>().notNull().default('none'),
    groupId: text('group_id').references(() => groups.id, { onDelete: 'restrict' }),
    /** remote field → property key */
    mapping: jsonb('mapping').$type<Record<string, string>>().notNull().default({}),
    /** group id → remote name (tag, list, column value) */
    groupMapping: jsonb('group_mapping').$type<Record<string, string>>().notNull().default({}),
    syncMode: text('sync_mode').$type<SyncMode>().notNull().default('sync'),
    /** Bumped on every change of options, mapping, group mapping, collection or sync mode. */
    configVersion: integer('config_version').notNull().default(1),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [index('destinations_group_idx').on(t.groupId)],
);

/**
 * Outbox: profiles a destination must re-evaluate. Written in the same transaction as the
 * change itself, removed once the profile's export reached a final state. Signals are only
 * wake-ups; this table is what guarantees a committed change is exported.
 */
export const destinationChanges = pgTable(
  'destination_changes',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    destinationId: text('destination_id')
      .notNull()
      .references(() => destinations.id, { onDelete: 'cascade' }),
    profileId: text('profile_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('destination_changes_dest_idx').on(t.destinationId, t.id)],
);

export const exports = pgTable(
  'exports',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    destinationId: text('destination_id')
      .notNull()
      .references(() => destinations.id, { onDelete: 'cascade' }),
    profileId: text('profile_id').notNull(),
    configVersion: integer('config_version').notNull(),
    state: text('state').$type<ExportState>().notNull().default('pending'),
    toDelete: boolean('to_delete').notNull().default(false),
    hasChanges: boolean('has_changes').notNull().default(true),
    force: boolean('force').notNull().default(false),
    oldProperties: jsonb('old_properties').$type<RemoteProperties>().notNull().default({}),
    newProperties: jsonb('new_properties').$type<RemoteProperties>().notNull().default({}),
    oldGroups: jsonb('old_groups').$type<string[]>().notNull().default([]),
    newGroups: jsonb('new_groups').$type<string[]>().notNull().default([]),
    errorMessage: text('error_message'),
    errorLevel: text('error_level').$type<ErrorLevel>(),
    /** Attempts that counted against the retry budget (rate-limit waits do not). */
    attempts: integer('attempts').notNull().default(0),
    sendAt: timestamp('send_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    index('exports_dest_profile_idx').on(t.destinationId, t.profileId, t.id),
    index('exports_dest_state_idx').on(t.destinationId, t.state),
    index('exports_profile_idx').on(t.profileId),
    index('exports_open_idx')
      .on(t.destinationId, t.profileId)
      .where(sql`state in ('pending', 'processing')`),
  ],
);

/**
 * Per destination and profile: the baseline (last complete export) and whether the remote
 * currently holds the profile. Lets re-evaluation find everyone the remote still has.
 */
export const destinationProfiles = pgTable(
  'destination_profiles',
  {
    destinationId: text('destination_id')
      .notNull()
      .references(() => destinations.id, { onDelete: 'cascade' }),
    profileId: text('profile_id').notNull(),
    baselineExportId: bigint('baseline_export_id', { mode: 'number' }).notNull(),
    /** true while the last complete export was not a delete */
    present: boolean('present').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.destinationId, t.profileId] }),
    uniqueIndex('destination_profiles_baseline_idx').on(t.baselineExportId),
  ],
);
