import { logger } from '../../lib/logger';
import {
  RemoteRefusedError,
  RemoteUnavailableError,
  type Connector,
  type ConnectorContext,
  type ExportChange,
  type ExportOutcome,
} from '../types';
import { sendgridApi } from './api';
import { callSendgrid, outcomeOf, requestsPerKey } from './client';
import { exportChanges, type Target } from './export';
import { loadFields, sendgridMappingOptions } from './fields';
import { checkJob } from './jobs';
import {
  sendgridAppOptions,
  sendgridDestinationOptions,
  type SendgridAppOptions,
  type SendgridDestinationOptions,
} from './options';

const log = logger.child({ component: 'sendgrid' });

type Context = ConnectorContext<SendgridAppOptions, SendgridDestinationOptions>;

/** The documented upsert limit is 30,000 contacts; smaller jobs report (and fail) sooner. */
const maxBatchSize = 500;

/**
 * Marketing Campaigns contacts, one per profile, identified by email; groups are lists.
 * Upserts, deletes and list removals are asynchronous SendGrid jobs: exports stay `processing`
 * until `checkJob` read that every job they started completed.
 */
export const sendgridConnector: Connector<SendgridAppOptions, SendgridDestinationOptions> = {
  type: 'sendgrid',
  displayName: 'SendGrid contacts',
  app: {
    type: 'sendgrid',
    displayName: 'SendGrid',
    options: sendgridAppOptions,
    secretOptions: ['apiKey'],
    async test(appOptions) {
      const options = sendgridAppOptions.parse(appOptions);
      const result = await callSendgrid(options, 'GET', '/v3/marketing/field_definitions');
      if (result.kind === 'ok') return { ok: true, message: 'SendGrid accepted the API key' };
      const status = result.kind === 'error' ? ` ${result.status}` : '';
      return { ok: false, message: `SendGrid refused the test call${status}: ${result.message}` };
    },
  },
  destinationOptions: sendgridDestinationOptions,
  syncModes: ['sync', 'additive', 'enrich'],
  groupLabel: 'list',
  maxBatchSize,
  maxConcurrency: requestsPerKey,
  async mappingOptions(ctx) {
    const options = sendgridAppOptions.parse(ctx.appOptions);
    const fields = await loadFields(options, ctx.signal);
    if ('kind' in fields) {
      const message = `SendGrid could not list field definitions: ${fields.message}`;
      const retryAfterMs = fields.kind === 'error' ? fields.retryAfterMs : undefined;
      // Unreachable, 429 and 5xx are the tool being unavailable, not a configuration error.
      if (fields.kind === 'unreachable' || fields.status === 429 || fields.status >= 500) {
        throw new RemoteUnavailableError(message, retryAfterMs);
      }
      throw new RemoteRefusedError(message);
    }
    return sendgridMappingOptions(fields);
  },
  async exportBatch(ctx: Context, changes) {
    return logged(ctx, changes, await send(ctx, changes, {}));
  },
  async checkJob(ctx: Context, jobId, changes) {
    const options = sendgridAppOptions.parse(ctx.appOptions);
    const outcomes = await checkJob(targetOf(ctx, options), jobId, changes, (again, pending) =>
      send(ctx, again, pending),
    );
    return logged(ctx, changes, outcomes);
  },
};

function targetOf(ctx: Context, options: SendgridAppOptions): Omit<Target, 'fields'> {
  return {
    api: sendgridApi(options, ctx.signal),
    syncOperations: ctx.syncOperations,
    pollAfterMs: options.jobPollMs,
    searchWaitMs: options.searchWaitMs,
  };
}

async function send(
  ctx: Context,
  changes: ExportChange[],
  resume: { since?: number; resends?: number },
): Promise<ExportOutcome[]> {
  const options = sendgridAppOptions.parse(ctx.appOptions);
  const fields = await loadFields(options, ctx.signal);
  if ('kind' in fields) {
    return changes.map((c) => outcomeOf(c.profileId, 'list field definitions', fields));
  }
  return exportChanges({ ...targetOf(ctx, options), fields }, changes, resume);
}

function logged(ctx: Context, changes: ExportChange[], outcomes: ExportOutcome[]) {
  const failed = outcomes.filter((o) => o.status === 'failed' || o.status === 'retry').length;
  if (failed > 0) {
    log.warn(
      { destinationId: ctx.destinationId, profiles: changes.length, failed },
      'sendgrid batch had problems',
    );
  }
  return outcomes;
}
