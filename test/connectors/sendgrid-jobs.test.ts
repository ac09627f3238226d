import { afterEach, describe, expect, it } from 'vitest';
import { sendgridConnector } from '../../connectors/sendgrid';
import { decodePending } from '../../connectors/sendgrid/pending';
import { eventually } from '../helpers/worker';
import { startFakeSendgrid, type FakeSendgrid, type FakeSendgridOptions } from '../fakes/sendgrid';
import {
  contactChange,
  sendAndSettle,
  sendgridContext,
  settle,
  uniqueEmail,
} from '../fakes/sendgrid/fixtures';

/**
 * An export is complete only once every job it started completed, and search lagging behind
 * those jobs (as SendGrid's does) never makes a step silently skipped.
 */

let fake: FakeSendgrid | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options: FakeSendgridOptions) {
  fake = await startFakeSendgrid(options);
  return fake;
}

const inLists = (email: string, groups: string[]) =>
  contactChange('p', { newProperties: { email }, newGroups: groups });
const leave = (email: string, from: string[], to: string[], more: Record<string, string> = {}) =>
  contactChange('p', {
    oldProperties: { email },
    newProperties: { email, ...more },
    oldGroups: from,
    newGroups: to,
  });

describe('sendgrid connector: list removals are jobs too', () => {
  it('keeps an export that takes a contact off a list processing until the removal job reports', async () => {
    const sg = await start({ jobDelayMs: 100 });
    const ctx = sendgridContext(sg);
    const email = uniqueEmail('li');
    await sendAndSettle(ctx, [inLists(email, ['A', 'B'])]);
    sg.holdJobs('list_removal', true);

    const change = leave(email, ['A', 'B'], ['A'], { first_name: 'Li' });
    let [outcome] = await sendgridConnector.exportBatch(ctx, [change]);
    // The upsert job completes; the removal job does not: the export keeps waiting.
    await eventually(async () => sg.contactByEmail(email)?.fields.first_name === 'Li');
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 150));
      [outcome] = await sendgridConnector.checkJob!(ctx, (outcome as { jobId: string }).jobId, [
        change,
      ]);
      expect(outcome).toMatchObject({ status: 'processing' });
    }
    expect(sg.listNamesOf(email)).toEqual(['A', 'B']);

    sg.holdJobs('list_removal', false);
    expect(await settle(ctx, [change], [outcome!])).toEqual([
      { profileId: 'p', status: 'complete' },
    ]);
    expect(sg.listNamesOf(email)).toEqual(['A']);
  });

  it('fails the export when the job taking the contact off a list fails', async () => {
    const sg = await start({ jobDelayMs: 100 });
    const ctx = sendgridContext(sg);
    const email = uniqueEmail('lf');
    await sendAndSettle(ctx, [inLists(email, ['A', 'B'])]);
    sg.failNextJob('list_removal');

    const [outcome] = await sendAndSettle(ctx, [leave(email, ['A', 'B'], ['A'])]);
    expect(outcome).toMatchObject({ status: 'failed', level: 'error' });
    expect(sg.listNamesOf(email)).toEqual(['A', 'B']);
  });

  it('sends a change again once its started jobs reported when a later step failed, completing only then', async () => {
    const sg = await start({ jobDelayMs: 100 });
    const ctx = sendgridContext(sg);
    const email = uniqueEmail('re');
    await sendAndSettle(ctx, [inLists(email, ['A', 'B'])]);
    sg.failNext(1, 503, 'DELETE /v3/marketing/lists/');

    const change = leave(email, ['A', 'B'], ['A']);
    const [first] = await sendgridConnector.exportBatch(ctx, [change]);
    // The upsert job started, the removal did not: not complete, and not sent anew yet.
    expect(first).toMatchObject({ status: 'processing' });
    expect(await settle(ctx, [change], [first!])).toEqual([{ profileId: 'p', status: 'complete' }]);
    expect(sg.listNamesOf(email)).toEqual(['A']);
    const removals = sg.requests.filter((r) => r.path.startsWith('/v3/marketing/lists/'));
    expect(removals.map((r) => r.status)).toEqual([503, 202]);
  });

  it('waits the reset a 429 gave before sending a change again after a partial failure', async () => {
    const sg = await start({ jobDelayMs: 100 });
    const ctx = sendgridContext(sg);
    const email = uniqueEmail('rl');
    await sendAndSettle(ctx, [inLists(email, ['A', 'B'])]);
    sg.failNext(4, 429, 'DELETE /v3/marketing/lists/', 2);

    const change = leave(email, ['A', 'B'], ['A']);
    const [first] = await sendgridConnector.exportBatch(ctx, [change]);
    expect(first).toMatchObject({ status: 'processing', pollAfterMs: 2000 });
    // A 429 does not use up the resends a failing step gets: four in a row still end well.
    const pending = decodePending((first as { jobId: string }).jobId);
    expect(pending).toMatchObject({ next: 'resend', resends: 0 });
    expect(await settle(ctx, [change], [first!], 30_000)).toEqual([
      { profileId: 'p', status: 'complete' },
    ]);
    expect(sg.listNamesOf(email)).toEqual(['A']);
  }, 40_000);
});

describe('sendgrid connector: search lagging behind jobs', () => {
  // Search shows a job's work 600 ms after it; the connector waits up to 10 s for it.
  const lagging = { jobDelayMs: 100, searchLagMs: 600 };
  const patient = { searchWaitMs: 10_000 };

  it('takes lists off a contact created moments ago, once search shows it', async () => {
    const sg = await start(lagging);
    const ctx = sendgridContext(sg, 'sync', patient);
    const email = uniqueEmail('lag');
    await sendAndSettle(ctx, [inLists(email, ['A', 'B'])]);

    expect(await sendAndSettle(ctx, [leave(email, ['A', 'B'], ['A'])])).toEqual([
      { profileId: 'p', status: 'complete' },
    ]);
    expect(sg.listNamesOf(email)).toEqual(['A']);
  });

  it('deletes a contact created moments ago instead of counting it as missing', async () => {
    const sg = await start(lagging);
    const ctx = sendgridContext(sg, 'sync', patient);
    const email = uniqueEmail('lagdel');
    await sendAndSettle(ctx, [inLists(email, [])]);

    const remove = contactChange('p', {
      toDelete: true,
      oldProperties: { email },
      newProperties: { email },
    });
    expect(await sendAndSettle(ctx, [remove])).toEqual([{ profileId: 'p', status: 'complete' }]);
    expect(sg.contactByEmail(email)).toBeUndefined();
  });

  it('moves a contact created moments ago to its new email without leaving the old one', async () => {
    const sg = await start(lagging);
    const ctx = sendgridContext(sg, 'sync', patient);
    const [a, b] = [uniqueEmail('a'), uniqueEmail('b')];
    await sendAndSettle(ctx, [inLists(a, ['A'])]);

    const move = contactChange('p', {
      oldProperties: { email: a },
      newProperties: { email: b },
      oldGroups: ['A'],
      newGroups: ['A'],
    });
    expect(await sendAndSettle(ctx, [move])).toEqual([{ profileId: 'p', status: 'complete' }]);
    expect(sg.contactByEmail(a)).toBeUndefined();
    expect(sg.listNamesOf(b)).toEqual(['A']);
  });

  it('takes a contact search never shows as deleted in SendGrid once searchWaitMs passed, and creates it anew', async () => {
    const sg = await start(lagging);
    const ctx = sendgridContext(sg, 'sync', { searchWaitMs: 1_000 });
    const email = uniqueEmail('gone');
    await sendAndSettle(ctx, [inLists(email, ['A', 'B'])]);
    sg.removeContact(email);

    expect(await sendAndSettle(ctx, [leave(email, ['A', 'B'], ['A'])])).toEqual([
      { profileId: 'p', status: 'complete' },
    ]);
    expect(sg.listNamesOf(email)).toEqual(['A']);
  });
});
