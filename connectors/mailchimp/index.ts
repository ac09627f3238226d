import { logger } from '../../lib/logger';
import type { Connector, ExportOutcome } from '../types';
import { callMailchimp, connectionsPerKey } from './client';
import { exportOne } from './export';
import { mailchimpMappingOptions } from './fields';
import { memberChains } from './order';
import {
  mailchimpAppOptions,
  mailchimpDestinationOptions,
  type MailchimpAppOptions,
  type MailchimpDestinationOptions,
} from './options';
import pLimit from 'p-limit';

const log = logger.child({ component: 'mailchimp' });

/**
 * Audience members of Mailchimp's Marketing API 3.0, one per profile, addressed by email;
 * groups are member tags. Mailchimp has no batch upsert that reports per member
 * synchronously, so each profile is a few calls, run in parallel under the key's
 * connection limit; changes touching one member run in order, deletes first.
 */
export const mailchimpConnector: Connector<MailchimpAppOptions, MailchimpDestinationOptions> = {
  type: 'mailchimp',
  displayName: 'Mailchimp audience',
  app: {
    type: 'mailchimp',
    displayName: 'Mailchimp',
    options: mailchimpAppOptions,
    secretOptions: ['apiKey'],
    async test(appOptions) {
      const options = mailchimpAppOptions.parse(appOptions);
      const result = await callMailchimp(options, 'GET', '/ping');
      if (result.kind === 'ok') return { ok: true, message: 'Mailchimp answered the ping' };
      const status = result.kind === 'error' ? ` ${result.status}` : '';
      return {
        ok: false,
        message: `Mailchimp did not answer the ping${status}: ${result.message}`,
      };
    },
  },
  destinationOptions: mailchimpDestinationOptions,
  syncModes: ['sync', 'additive', 'enrich'],
  groupLabel: 'tag',
  maxBatchSize: 50,
  maxConcurrency: connectionsPerKey,
  async mappingOptions(ctx) {
    const options = mailchimpAppOptions.parse(ctx.appOptions);
    const { listId } = mailchimpDestinationOptions.parse(ctx.destinationOptions);
    return mailchimpMappingOptions(options, listId, ctx.signal);
  },
  async exportBatch(ctx, changes) {
    const options = mailchimpAppOptions.parse(ctx.appOptions);
    const { listId } = mailchimpDestinationOptions.parse(ctx.destinationOptions);
    const target = { options, listId, syncOperations: ctx.syncOperations, signal: ctx.signal };
    // The key's semaphore caps connections; this only keeps a batch from queueing all at once.
    const limit = pLimit(connectionsPerKey);
    const byProfile = new Map<string, ExportOutcome>();
    await Promise.all(
      memberChains(changes).map((chain) =>
        limit(async () => {
          for (const change of chain)
            byProfile.set(change.profileId, await exportOne(target, change));
        }),
      ),
    );
    const outcomes = changes.map((c) => byProfile.get(c.profileId)!);
    const failed = outcomes.filter((o) => o.status !== 'complete').length;
    if (failed > 0) {
      log.warn(
        { destinationId: ctx.destinationId, profiles: changes.length, notComplete: failed },
        'mailchimp batch had profiles not complete',
      );
    }
    return outcomes;
  },
};
