import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profiles } from '../../db/schema';
import { startFakeBraze } from '../fakes/braze';
import { startFakeHubspot } from '../fakes/hubspot';
import { contactOf, liveContacts } from '../fakes/hubspot/fixtures';
import { startFakeMailchimp } from '../fakes/mailchimp';
import { startFakeSendgrid } from '../fakes/sendgrid';
import { memberOf } from '../fakes/mailchimp/fixtures';
import { testDb } from '../helpers/db';
import { ensureProperties, exportsOf, keys, outboxOf, uid, values } from '../helpers/fixtures';
import { startToolDestination } from '../helpers/tool-destination';
import { eventually, startTestWorker, type TestWorker } from '../helpers/worker';

/**
 * Issue 5's behaviours 5 and 9 through the real engine, for every email tool against its local
 * API: a run of 429s ends complete without using up attempts, and a burst of changes to one
 * profile, at once or spread over several batch windows, ends with the newest values and one
 * remote contact. (The engine never sends one profile in two batches at once:
 * test/workflows/destination.test.ts.)
 */

interface Tool {
  type: string;
  mapping: Record<string, string>;
  start(): Promise<{
    appOptions: Record<string, unknown>;
    destinationOptions?: Record<string, unknown>;
    rateLimitNext(n: number): void;
    firstName(email: string): unknown;
    contacts(): number;
    close(): Promise<void>;
  }>;
}

const tools: Tool[] = [
  {
    type: 'mailchimp',
    mapping: { email_address: keys.email, FNAME: keys.name },
    async start() {
      const fake = await startFakeMailchimp();
      const list = fake.createList();
      return {
        appOptions: { apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 5_000 },
        destinationOptions: { listId: list.id },
        // Aimed at the member writes: the merge-field read has 429s of its own to survive.
        rateLimitNext: (n) => fake.rateLimitMemberCalls(n),
        firstName: (email) => memberOf(list, email)?.merge_fields.FNAME,
        contacts: () => list.members.size,
        close: () => fake.close(),
      };
    },
  },
  {
    type: 'hubspot',
    mapping: { email: keys.email, firstname: keys.name },
    async start() {
      const fake = await startFakeHubspot();
      return {
        appOptions: { accessToken: fake.accessToken, baseUrl: fake.baseUrl, timeoutMs: 5_000 },
        // HubSpot's own 429: no Retry-After, only its X-HubSpot-RateLimit window headers.
        rateLimitNext: (n) => fake.rateLimitNext(n),
        firstName: (email) => contactOf(fake, email)?.properties.firstname,
        contacts: () => liveContacts(fake).length,
        close: () => fake.close(),
      };
    },
  },
  {
    type: 'braze',
    mapping: { external_id: keys.email, first_name: keys.name },
    async start() {
      const fake = await startFakeBraze();
      return {
        appOptions: { apiKey: fake.apiKey, restEndpoint: fake.restEndpoint, timeoutMs: 5_000 },
        rateLimitNext: (n) => fake.rateLimitNext(n, 1),
        firstName: (email) => fake.users.get(email)?.standard.first_name,
        contacts: () => fake.users.size,
        close: () => fake.close(),
      };
    },
  },
  {
    type: 'sendgrid',
    mapping: { email: keys.email, first_name: keys.name },
    async start() {
      const fake = await startFakeSendgrid({ jobDelayMs: 300 });
      return {
        appOptions: {
          apiKey: fake.apiKey,
          baseUrl: fake.baseUrl,
          timeoutMs: 5_000,
          jobPollMs: 200,
        },
        rateLimitNext: (n) => fake.rateLimitNext(n, 1),
        firstName: (email) => fake.contactByEmail(email)?.fields.first_name,
        contacts: () => fake.contacts.size,
        close: () => fake.close(),
      };
    },
  },
];

const { db } = testDb();
let tw: TestWorker;

beforeAll(async () => {
  await ensureProperties(db);
  tw = await startTestWorker(db, { retryBaseMs: 200 });
});
afterAll(() => tw?.stop());

describe.each(tools)('$type through the workflow', (tool) => {
  let remote: Awaited<ReturnType<Tool['start']>>;
  let destination: Awaited<ReturnType<typeof startToolDestination>>;
  let destinationId: string;

  beforeAll(async () => {
    remote = await tool.start();
    destination = await startToolDestination(db, tw, {
      type: tool.type,
      mapping: tool.mapping,
      appOptions: remote.appOptions,
      destinationOptions: remote.destinationOptions,
    });
    destinationId = destination.destinationId;
  });
  afterAll(() => remote?.close());

  const change = (id: string, v: Parameters<typeof values>[0]) => destination.change(id, v);

  it('completes after six 429s in a row without using up attempts', async () => {
    const id = uid('prf');
    const email = `${id}@example.com`;
    remote.rateLimitNext(6);
    await change(id, { email, name: 'Rae' });
    const done = await eventually(async () => {
      const last = (await exportsOf(db, destinationId, id)).at(-1);
      return last?.state === 'complete' ? last : null;
    }, 100_000);
    expect(done.attempts).toBe(0);
    expect(remote.firstName(email)).toBe('Rae');
  }, 120_000);

  it('ends a burst of 20 changes with the newest values and one contact', async () => {
    const id = uid('prf');
    const email = `${id}@example.com`;
    const before = remote.contacts();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => change(id, { email, name: `Name ${i + 1}` })),
    );
    // The burst's writes race one another: the newest version is the one the database kept.
    const [stored] = await db.select().from(profiles).where(eq(profiles.id, id));
    const newest = stored!.properties[keys.name];
    await eventually(async () => {
      const outbox = await outboxOf(db, destinationId, [id]);
      return outbox.length === 0 && remote.firstName(email) === newest;
    }, 30_000);
    expect(remote.contacts()).toBe(before + 1);
    const states = (await exportsOf(db, destinationId, id)).map((e) => e.state);
    expect(states.at(-1)).toBe('complete');
    expect(states).not.toContain('failed');
  }, 60_000);

  it('ends 20 changes spread over several batch windows with the last values', async () => {
    const id = uid('prf');
    const email = `${id}@example.com`;
    const before = remote.contacts();
    // One change every 60 ms: later changes arrive while earlier batches are in flight.
    for (let i = 1; i <= 20; i++) {
      await change(id, { email, name: `Spread ${i}` });
      await new Promise((r) => setTimeout(r, 60));
    }
    await eventually(async () => {
      const outbox = await outboxOf(db, destinationId, [id]);
      return outbox.length === 0 && remote.firstName(email) === 'Spread 20';
    }, 30_000);
    expect(remote.contacts()).toBe(before + 1);
    const rows = await exportsOf(db, destinationId, id);
    const sent = rows.filter((e) => e.state === 'complete' && e.hasChanges);
    expect(sent.length).toBeGreaterThan(1); // several batches, not one merged change
    expect(rows.at(-1)).toMatchObject({ state: 'complete' });
    expect(rows.map((e) => e.state)).not.toContain('failed');
  }, 60_000);
});
