import { logger } from '../../lib/logger';
import type { Connector } from '../types';
import { callHubspot, requestsPerToken } from './client';
import { batchLimit } from './contacts';
import { exportContacts } from './export';
import { hubspotMappingOptions } from './fields';
import {
  hubspotAppOptions,
  hubspotDestinationOptions,
  type HubspotAppOptions,
  type HubspotDestinationOptions,
} from './options';

const log = logger.child({ component: 'hubspot' });

/**
 * HubSpot contacts (CRM v3 objects, batch endpoints), one per profile, identified by email;
 * groups are static (MANUAL) contact lists of the v3 lists API, found or created by name.
 */
export const hubspotConnector: Connector<HubspotAppOptions, HubspotDestinationOptions> = {
  type: 'hubspot',
  displayName: 'HubSpot contacts',
  app: {
    type: 'hubspot',
    displayName: 'HubSpot',
    options: hubspotAppOptions,
    secretOptions: ['accessToken'],
    async test(appOptions) {
      const options = hubspotAppOptions.parse(appOptions);
      // The cheapest authenticated read that needs the contacts scope we write with.
      const result = await callHubspot(options, 'GET', '/crm/v3/objects/contacts?limit=1');
      if (result.kind === 'ok') return { ok: true, message: 'HubSpot answered with contacts' };
      const status = result.kind === 'error' ? ` ${result.status}` : '';
      return { ok: false, message: `HubSpot refused to list contacts${status}: ${result.message}` };
    },
  },
  destinationOptions: hubspotDestinationOptions,
  syncModes: ['sync', 'additive', 'enrich'],
  groupLabel: 'static list',
  maxBatchSize: batchLimit,
  maxConcurrency: requestsPerToken,
  async mappingOptions(ctx) {
    const options = hubspotAppOptions.parse(ctx.appOptions);
    return hubspotMappingOptions(options, ctx.signal);
  },
  async exportBatch(ctx, changes) {
    const options = hubspotAppOptions.parse(ctx.appOptions);
    const { listPrefix } = hubspotDestinationOptions.parse(ctx.destinationOptions ?? {});
    const target = { options, listPrefix, syncOperations: ctx.syncOperations, signal: ctx.signal };
    const outcomes = await exportContacts(target, changes);
    const notComplete = outcomes.filter((o) => o.status !== 'complete').length;
    if (notComplete > 0) {
      log.warn(
        { destinationId: ctx.destinationId, profiles: changes.length, notComplete },
        'hubspot batch had profiles not complete',
      );
    }
    return outcomes;
  },
};
