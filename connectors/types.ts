import type { z } from 'zod';
import type {
  ErrorLevel,
  PropertyType,
  RemoteProperties,
  SyncMode,
  SyncOperations,
} from '../lib/domain';

/** Types a remote field may declare. `any` accepts every property type. */
export type RemoteFieldType =
  | 'any'
  | 'string'
  | 'email'
  | 'integer'
  | 'float'
  | 'number'
  | 'boolean'
  | 'date'
  | 'url'
  | 'phone';

export interface RemoteField {
  key: string;
  type: RemoteFieldType;
  /** shown first by clients */
  important?: boolean;
}

export interface MappingOptions {
  /** fields that must be mapped; the first one identifies the remote record */
  required: RemoteField[];
  /** fields the tool knows about */
  known: RemoteField[];
  /** may the user map remote fields outside `known` (custom fields)? */
  allowCustomFields: boolean;
  /** remote fields that accept arrays; '*' means all. Others receive the first element. */
  arrayFields: string[];
  /**
   * custom fields (outside `known`) take an array property's values whole: the connector
   * creates them (a column) of the property's type, arrays included
   */
  customFieldsTakeArrays?: boolean;
  /** remote fields the connector writes itself (a timestamp, the groups): never mappable */
  reservedFields?: string[];
  /**
   * a rule every mapped field name must follow: a regular expression's source, matched
   * against the whole name, and the rule in words, read as "<name> is not <description>"
   */
  fieldNamePattern?: { pattern: string; description: string };
}

/** The type of the property a remote field is mapped from. */
export interface MappedFieldType {
  type: PropertyType;
  isArray: boolean;
}

/** Everything a connector call may need. `app` options include secrets. */
export interface ConnectorContext<AppOptions, DestinationOptions> {
  appId: string;
  appOptions: AppOptions;
  destinationId: string;
  destinationOptions: DestinationOptions;
  syncOperations: SyncOperations;
  /**
   * For each mapped remote field, the property behind it: a connector that creates fields
   * (a table's columns) creates them of this type, never of the first value it happens to see.
   */
  fieldTypes?: Record<string, MappedFieldType>;
  /** aborted when the activity is cancelled or times out */
  signal?: AbortSignal;
}

/** One profile's planned change, as handed to a connector. Values are already converted. */
export interface ExportChange {
  exportId: number;
  profileId: string;
  toDelete: boolean;
  oldProperties: RemoteProperties;
  newProperties: RemoteProperties;
  oldGroups: string[];
  newGroups: string[];
}

/**
 * The outcome for one profile.
 * - `complete`: the remote holds the change.
 * - `processing`: the remote accepted the change as an asynchronous job (`jobId`) that has not
 *   reported yet; the engine asks `checkJob` again after `pollAfterMs`.
 * - `retry`: transient (network, 5xx, 429); `retryAfterMs` is the remote's requested wait, and
 *   `rateLimited` marks waits that must not use up the retry budget.
 * - `failed`: permanent for this data (invalid email, refused by sync mode, 4xx).
 */
export type ExportOutcome =
  | { profileId: string; status: 'complete' }
  | {
      profileId: string;
      status: 'retry';
      message: string;
      retryAfterMs?: number;
      rateLimited?: boolean;
    }
  | { profileId: string; status: 'failed'; message: string; level: ErrorLevel }
  | { profileId: string; status: 'processing'; jobId: string; pollAfterMs: number };

export interface AppTypeDefinition<AppOptions> {
  type: string;
  displayName: string;
  options: z.ZodType<AppOptions>;
  /** option keys whose values are secrets: stored, never returned or logged */
  secretOptions: string[];
  test(appOptions: AppOptions): Promise<{ ok: boolean; message: string }>;
}

/**
 * A destination connector: the real client of one tool's API. The registry holds connectors of
 * every option type; `unknown` defaults would make each connector's methods unassignable.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface Connector<AppOptions = any, DestinationOptions = any> {
  /** the destination type, e.g. `postgres` or `webhook` */
  type: string;
  displayName: string;
  app: AppTypeDefinition<AppOptions>;
  destinationOptions: z.ZodType<DestinationOptions>;
  syncModes: SyncMode[];
  /** how groups show up remotely, e.g. "tag", "list", "text[] column" */
  groupLabel: string | null;
  /** the largest batch one `exportBatch` call accepts */
  maxBatchSize: number;
  /** concurrent `exportBatch` calls allowed per app */
  maxConcurrency: number;
  mappingOptions(
    ctx: Omit<ConnectorContext<AppOptions, DestinationOptions>, 'syncOperations'>,
  ): Promise<MappingOptions>;
  /**
   * Sends a batch. Returns one outcome per change. Throwing means the whole batch failed
   * transiently (it is retried); per-profile problems are reported as outcomes instead.
   */
  exportBatch(
    ctx: ConnectorContext<AppOptions, DestinationOptions>,
    changes: ExportChange[],
  ): Promise<ExportOutcome[]>;
  /**
   * Asks how an asynchronous job reported by `exportBatch` (a `processing` outcome) ended, for
   * the changes it carried. Returns one outcome per change; `processing` means not finished yet.
   * Required of connectors that ever answer `processing`.
   */
  checkJob?(
    ctx: ConnectorContext<AppOptions, DestinationOptions>,
    jobId: string,
    changes: ExportChange[],
  ): Promise<ExportOutcome[]>;
}

/**
 * The tool could not be asked right now (rate limit, outage, network): what needed it should
 * be retried after `retryAfterMs` (when the tool said), not treated as a configuration error.
 */
export class RemoteUnavailableError extends Error {
  override name = 'RemoteUnavailableError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The tool answered and refused (bad credentials, an unknown audience or list): asking again
 * will not help until someone changes the options. Its message names the tool and the reason.
 */
export class RemoteRefusedError extends Error {
  override name = 'RemoteRefusedError';
}
