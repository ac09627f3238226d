import type { Db } from '../../../db/client';
import { keys } from '../../helpers/fixtures';
import { startToolDestination } from '../../helpers/tool-destination';
import type { TestWorker } from '../../helpers/worker';
import type { FakeMailchimp } from './server';
import type { List } from './state';

export const mailchimpMapping = { email_address: keys.email, FNAME: keys.name };

/**
 * A real `mailchimp` destination aimed at one audience of `fake`, its workflow running on
 * `tw`, with the steps a test takes through the engine.
 */
export async function startMailchimpDestination(db: Db, tw: TestWorker, fake: FakeMailchimp) {
  const list: List = fake.createList();
  const destination = await startToolDestination(db, tw, {
    type: 'mailchimp',
    mapping: mailchimpMapping,
    appOptions: { apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 5_000 },
    destinationOptions: { listId: list.id },
  });
  return { ...destination, list };
}
