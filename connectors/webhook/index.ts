import { logger } from '../../lib/logger';
import type { Connector, ExportChange, ExportOutcome } from '../types';
import { deliver, deliveryId, type DeliveryResult } from './delivery';
import { own } from '../../lib/own';
import {
  webhookAppOptions,
  webhookDestinationOptions,
  type WebhookAppOptions,
  type WebhookDestinationOptions,
} from './options';

type Outcome = ExportOutcome extends infer O
  ? O extends unknown
    ? Omit<O, 'profileId'>
    : never
  : never;

function unanswered(result: Exclude<DeliveryResult, { kind: 'response' }>, timeoutMs: number) {
  return result.kind === 'timeout'
    ? `no answer within ${timeoutMs} ms`
    : `could not reach the endpoint: ${result.message}`;
}

/** What one delivery means for every profile in it: the document is accepted or not as a whole. */
function outcomeOf(result: DeliveryResult, timeoutMs: number): Outcome {
  if (result.kind !== 'response')
    return { status: 'retry', message: unanswered(result, timeoutMs) };
  const { status, retryAfterMs } = result;
  const wait = retryAfterMs === undefined ? {} : { retryAfterMs };
  if (status >= 200 && status < 300) return { status: 'complete' };
  if (status === 429) {
    return { status: 'retry', message: 'rate limited (429)', rateLimited: true, ...wait };
  }
  // 408 is the receiver saying it timed out: as transient as our own timeout.
  if (status >= 500 || status === 408) {
    return { status: 'retry', message: `the endpoint answered ${status}`, ...wait };
  }
  if (status >= 300 && status < 400) {
    return {
      status: 'failed',
      level: 'error',
      message: `the endpoint redirected (${status}); use the final URL`,
    };
  }
  const detail = result.bodyStart ? `: ${result.bodyStart}` : '';
  return { status: 'failed', level: 'error', message: `the endpoint answered ${status}${detail}` };
}

function documentEntry(change: ExportChange) {
  return {
    profileId: change.profileId,
    exportId: change.exportId,
    operation: change.toDelete ? 'delete' : 'upsert',
    oldProperties: change.oldProperties,
    newProperties: change.newProperties,
    oldGroups: change.oldGroups,
    newGroups: change.newGroups,
  };
}

/** POSTs one signed JSON document per batch. The receiver applies it; we never see its data. */
export const webhookConnector: Connector<WebhookAppOptions, WebhookDestinationOptions> = {
  type: 'webhook',
  displayName: 'Webhook',
  app: {
    type: 'webhook',
    displayName: 'Webhook endpoint',
    options: webhookAppOptions,
    secretOptions: ['secret', 'headers'],
    async test(appOptions) {
      const options = webhookAppOptions.parse(appOptions);
      const result = await deliver(options, { type: 'test', sentAt: new Date().toISOString() });
      if (result.kind !== 'response') {
        return { ok: false, message: unanswered(result, options.timeoutMs) };
      }
      const ok = result.status >= 200 && result.status < 300;
      return { ok, message: `the endpoint answered ${result.status} to a signed test delivery` };
    },
  },
  destinationOptions: webhookDestinationOptions,
  syncModes: ['sync', 'additive', 'enrich'],
  groupLabel: 'groups list in the document',
  maxBatchSize: 100,
  maxConcurrency: 4,
  async mappingOptions(ctx) {
    const { identifierField } = webhookDestinationOptions.parse(ctx.destinationOptions);
    return {
      required: [{ key: identifierField, type: 'any', important: true }],
      known: [],
      allowCustomFields: true,
      arrayFields: ['*'],
    };
  },
  async exportBatch(ctx, changes) {
    const options = webhookAppOptions.parse(ctx.appOptions);
    const { identifierField } = webhookDestinationOptions.parse(ctx.destinationOptions);
    const outcomes = new Map<string, ExportOutcome>();
    const sending: ExportChange[] = [];
    for (const change of changes) {
      const { profileId } = change;
      const id =
        own(change.newProperties, identifierField) ?? own(change.oldProperties, identifierField);
      if (change.toDelete && !ctx.syncOperations.delete) {
        const message = 'not deleted: the sync mode never deletes';
        outcomes.set(profileId, { profileId, status: 'failed', level: 'info', message });
      } else if (
        id === undefined ||
        (!change.toDelete && !Object.hasOwn(change.newProperties, identifierField))
      ) {
        const message = `no value for identifier field ${identifierField}`;
        outcomes.set(profileId, { profileId, status: 'failed', level: 'error', message });
      } else {
        sending.push(change);
      }
    }

    if (sending.length > 0) {
      const document = {
        destinationId: ctx.destinationId,
        sentAt: new Date().toISOString(),
        profiles: sending.map(documentEntry),
      };
      const delivery = deliveryId(
        ctx.destinationId,
        sending.map((c) => c.exportId),
      );
      const result = await deliver(options, document, ctx.signal, delivery);
      const outcome = outcomeOf(result, options.timeoutMs);
      if (outcome.status !== 'complete') {
        const status = result.kind === 'response' ? result.status : result.kind;
        logger.warn(
          { destinationId: ctx.destinationId, status, profiles: sending.length },
          'webhook delivery not accepted',
        );
      }
      for (const change of sending) {
        outcomes.set(change.profileId, {
          profileId: change.profileId,
          ...outcome,
        } as ExportOutcome);
      }
    }
    return changes.map((c) => outcomes.get(c.profileId)!);
  },
};
