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

export type RetryMode = 'fresh' | 'exact' | 'auto';
export const syncRunKinds = ['initial', 'resync', 'retry'] as const;
export type SyncRunKind = (typeof syncRunKinds)[number];
export const syncRunStates = ['running', 'complete', 'canceled', 'failed'] as const;
export type SyncRunState = (typeof syncRunStates)[number];

/** Per-destination throughput and retry settings, changed live without a restart. */
export interface DestinationSettings {
  concurrency?: number;
  batchSize?: number;
  /** profiles exported per second at most, on average; null or absent: no limit */
  maxProfilesPerSecond?: number | null;
  autoRetry?: { maxTimes: number; afterMs: number };
}

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
    /** Live control: while true the workflow runs no export; changes wait in the outbox. */
    paused: boolean('paused').notNull().default(false),
    /** Throughput and automatic retries; changing them re-evaluates nobody. */
    settings: jsonb('settings').$type<DestinationSettings>().notNull().default({}),
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
    /** the sync run this change belongs to; null for an ordinary data change */
    runId: text('run_id'),
    /** a retry of this failed export */
    retryExportId: bigint('retry_export_id', { mode: 'number' }),
    /** `exact` resends the failed export's payload; `fresh` and `auto` plan again */
    retryMode: text('retry_mode').$type<RetryMode>(),
    /** send even when nothing changed: the remote may not hold what was sent before */
    resend: boolean('resend').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('destination_changes_dest_idx').on(t.destinationId, t.id),
    index('destination_changes_profile_idx').on(t.destinationId, t.profileId),
    index('destination_changes_run_idx').on(t.runId),
  ],
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
    /** the sync run that queued this export, if any */
    runId: text('run_id'),
    /** failed only because transient retries ran out: automatic retries may try it again */
    retryable: boolean('retryable').notNull().default(false),
    /** automatic retries that led to this export (the chain since a manual change) */
    autoRetries: integer('auto_retries').notNull().default(0),
    sendAt: timestamp('send_at', { withTimezone: true }),
    /** the remote's asynchronous job carrying this export, while it has not reported */
    remoteJobId: text('remote_job_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    index('exports_dest_profile_idx').on(t.destinationId, t.profileId, t.id),
    index('exports_dest_state_idx').on(t.destinationId, t.state),
    index('exports_profile_idx').on(t.profileId),
    index('exports_run_idx').on(t.runId),
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

/**
 * A pass over many profiles of one destination: the first full sync, a re-sync after its
 * definition changed, or a retry of failed exports. Its outbox rows and exports carry its id;
 * counts are recomputed from them by the run's workflow.
 */
export const syncRuns = pgTable(
  'sync_runs',
  {
    id: text('id').primaryKey(),
    destinationId: text('destination_id')
      .notNull()
      .references(() => destinations.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<SyncRunKind>().notNull(),
    state: text('state').$type<SyncRunState>().notNull().default('running'),
    /** shown as the run workflow's summary, e.g. "Re-sync of CRM after a mapping change" */
    summary: text('summary').notNull(),
    configVersion: integer('config_version').notNull(),
    /** distinct profiles queued by the run */
    total: integer('total').notNull().default(0),
    evaluated: integer('evaluated').notNull().default(0),
    created: integer('created').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    deleted: integer('deleted').notNull().default(0),
    unchanged: integer('unchanged').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    percentComplete: integer('percent_complete').notNull().default(0),
    errorSummary: text('error_summary'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('sync_runs_dest_idx').on(t.destinationId, t.startedAt)],
);
