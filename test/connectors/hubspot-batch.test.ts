import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubspotConnector } from '../../connectors/hubspot';
import { startFakeHubspot, type FakeHubspot } from '../fakes/hubspot';
import {
  contactChange,
  contactOf,
  hubspotContext,
  listsOf,
  liveContacts,
} from '../fakes/hubspot/fixtures';
import { writtenInputs } from '../fakes/hubspot/engine';

let fake: FakeHubspot;

beforeAll(async () => {
  fake = await startFakeHubspot();
});
afterAll(async () => {
  await fake.close();
});

const send = hubspotConnector.exportBatch.bind(hubspotConnector);

describe('hubspot connector: several changes landing on one contact', () => {
  it('sends one input per contact when two profiles share an email', async () => {
    const ctx = hubspotContext(fake);
    const before = fake.requests.length;
    const a = contactChange('mo-a', { newProperties: { email: 'mo@example.com', firstname: 'A' } });
    const b = contactChange('mo-b', { newProperties: { email: 'MO@example.com', lastname: 'B' } });

    expect(await send(ctx, [a, b])).toEqual([
      { profileId: 'mo-a', status: 'complete' },
      { profileId: 'mo-b', status: 'complete' },
    ]);
    const creates = fake.requests.slice(before).filter((r) => r.path.endsWith('/batch/create'));
    expect(creates).toHaveLength(1);
    expect((creates[0]!.body as { inputs: unknown[] }).inputs).toHaveLength(1);
    expect(liveContacts(fake).filter((c) => c.properties.email?.startsWith('MO@'))).toHaveLength(1);
  });

  it('sends only the newest of two changes of one profile in a batch', async () => {
    const ctx = hubspotContext(fake);
    const from = fake.requests.length;
    const older = contactChange('nia', {
      newProperties: { email: 'nia@example.com', firstname: 'Old', lastname: 'Gone' },
      newGroups: ['Left'],
    });
    const newer = contactChange('nia', {
      newProperties: { email: 'nia@example.com', firstname: 'New' },
      newGroups: ['Joined'],
    });

    expect(await send(ctx, [older, newer])).toEqual([
      { profileId: 'nia', status: 'complete' },
      { profileId: 'nia', status: 'complete' },
    ]);
    const email = 'nia@example.com';
    expect(writtenInputs(fake, from)).toEqual([{ properties: { email, firstname: 'New' } }]);
    expect(contactOf(fake, email)!.properties).toEqual({ email, firstname: 'New' });
    expect(listsOf(fake, email)).toEqual(['Joined']);
  });
});
