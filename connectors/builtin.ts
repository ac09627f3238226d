import { brazeConnector } from './braze';
import { hubspotConnector } from './hubspot';
import { registerConnector } from './index';
import { mailchimpConnector } from './mailchimp';
import { postgresConnector } from './postgres';
import { sendgridConnector } from './sendgrid';
import { webhookConnector } from './webhook';

/**
 * Registers the connectors Outflow ships with. Product entry points (worker, API, scripts)
 * import this module once; tests may register their own connectors beside these.
 */
registerConnector(postgresConnector);
registerConnector(webhookConnector);
registerConnector(mailchimpConnector);
registerConnector(brazeConnector);
registerConnector(hubspotConnector);
registerConnector(sendgridConnector);

export { closePostgresPools } from './postgres';
