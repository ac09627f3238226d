import { logger } from '../../lib/logger';
import type { Connector } from '../types';
import { callBraze, requestsPerKey } from './client';
import { exportChanges } from './export';
import { brazeMappingOptions } from './fields';
import {
  brazeAppOptions,
  brazeDestinationOptions,
  type BrazeAppOptions,
  type BrazeDestinationOptions,
} from './options';
import { brazeUsers, limits } from './users';

const log = logger.child({ component: 'braze' });

/**
 * Users of a Braze workspace, one per profile, addressed by `external_id`; groups are values
 * of one custom attribute array. Upserts go in bulk through `/users/track`, which reports
 * refused records by index, so one bad record fails only its profile.
 */
export const brazeConnector: Connector<BrazeAppOptions, BrazeDestinationOptions> = {
  type: 'braze',
  displayName: 'Braze users',
  app: {
    type: 'braze',
    displayName: 'Braze',
    options: brazeAppOptions,
    secretOptions: ['apiKey'],
    async test(appOptions) {
      const options = brazeAppOptions.parse(appOptions);
      // The cheapest authenticated call: look up one id nobody has.
      const result = await callBraze(options, '/users/export/ids', {
        external_ids: ['outflow-connection-test'],
        fields_to_export: ['external_id'],
      });
      if (result.kind === 'ok') return { ok: true, message: 'Braze accepted the API key' };
      const status = result.kind === 'error' ? ` ${result.status}` : '';
      return { ok: false, message: `Braze refused the test call${status}: ${result.message}` };
    },
  },
  destinationOptions: brazeDestinationOptions,
  syncModes: ['sync', 'additive', 'enrich'],
  groupLabel: 'value of a custom attribute array',
  maxBatchSize: limits.track,
  maxConcurrency: requestsPerKey,
  async mappingOptions() {
    return brazeMappingOptions();
  },
  async exportBatch(ctx, changes) {
    const options = brazeAppOptions.parse(ctx.appOptions);
    const { groupsAttribute } = brazeDestinationOptions.parse(ctx.destinationOptions);
    const target = {
      users: brazeUsers(options, ctx.signal),
      groupsAttribute,
      syncOperations: ctx.syncOperations,
    };
    const outcomes = await exportChanges(target, changes);
    const notComplete = outcomes.filter((o) => o.status !== 'complete').length;
    if (notComplete > 0) {
      log.warn(
        { destinationId: ctx.destinationId, profiles: changes.length, notComplete },
        'braze batch had profiles not complete',
      );
    }
    return outcomes;
  },
};
