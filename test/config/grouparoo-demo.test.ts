import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { formatReport } from '../../config';
import { readConfigDir } from '../../config/sources';
import { demoDataDir, loadDemoProfiles } from '../../scripts/demo-data';
import { startFakeHubspot } from '../fakes/hubspot';
import { startFakeMailchimp } from '../fakes/mailchimp';
import { actions, configHarness } from './harness';

type Row = Record<string, string>;

/**
 * Each demo group's members, computed from the CSV files with plain JS, relative to now, with
 * purchase dates moved by `shiftMs` as the test imports them.
 */
async function expectedMembers(shiftMs: number): Promise<Record<string, Set<string>>> {
  const csv = async (file: string) =>
    parse(await readFile(path.join(demoDataDir, file), 'utf8'), { columns: true }) as Row[];
  const [users, purchases] = await Promise.all([csv('users.csv'), csv('purchases.csv')]);
  const ok = purchases
    .filter((p) => p.state === 'successful')
    .sort((a, b) => a.created_at!.localeCompare(b.created_at!));
  const ltv = new Map<string, number>();
  const last = new Map<string, Row>();
  for (const p of ok) {
    ltv.set(p.user_id!, (ltv.get(p.user_id!) ?? 0) + Number(p.price));
    last.set(p.user_id!, p);
  }
  const sixtyDaysAgo = Date.now() - 60 * 24 * 3_600_000;
  const pick = (test: (u: Row) => boolean) =>
    new Set(users.filter(test).map((u) => `user-${u.id}`));
  return {
    high_value: pick((u) => (ltv.get(u.id!) ?? 0) > 100),
    spanish_speakers: pick((u) => u.language === 'Spanish'),
    high_value_automotive: pick((u) => {
      const p = last.get(u.id!);
      const at = p ? Date.parse(p.created_at!) + shiftMs : NaN;
      return (
        (ltv.get(u.id!) ?? 0) > 100 &&
        p?.category === 'Automotive' &&
        at > sixtyDaysAgo &&
        at <= Date.now()
      );
    }),
    nobody: new Set(),
    all_emails: pick((u) => u.email !== ''),
  };
}

describe("Grouparoo's demo configuration", async () => {
  const { call, run } = await configHarness();
  const mailchimp = await startFakeMailchimp();
  const list = mailchimp.createList();
  // The demo config names env vars in its options; the test adds where the fake Mailchimp is.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'grouparoo-config-'));
  await cp(path.join(demoDataDir, 'config'), dir, { recursive: true });
  const appFile = path.join(dir, 'mailchimp/all/apps/mailchimpapp.json');
  const appJson = JSON.parse(await readFile(appFile, 'utf8'));
  appJson.options.baseUrl = '${MAILCHIMP_BASE_URL}';
  await writeFile(appFile, JSON.stringify(appJson));
  // The demo ships HubSpot's destination but not its app, which holds credentials: a user adds
  // theirs. Grouparoo's `hapikey` is gone from HubSpot; a private app's token replaces it.
  const hubspot = await startFakeHubspot();
  await writeFile(
    path.join(dir, 'hubspot/users/hubspot-app.json'),
    JSON.stringify({
      class: 'App',
      id: 'hubspot',
      name: 'HubSpot',
      type: 'hubspot',
      options: { accessToken: '${HUBSPOT_TOKEN}', baseUrl: '${HUBSPOT_BASE_URL}' },
    }),
  );
  const env = {
    MAILCHIMP_API_KEY: mailchimp.apiKey,
    MAILCHIMP_DESTINATION_LIST_ID: list.id,
    MAILCHIMP_BASE_URL: mailchimp.baseUrl,
    HUBSPOT_TOKEN: hubspot.accessToken,
    HUBSPOT_BASE_URL: hubspot.baseUrl,
  };
  afterAll(async () => {
    await mailchimp.close();
    await hubspot.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies, imports the demo data, and yields exactly the members the rules define', async () => {
    const files = await readConfigDir(dir);
    const first = await run(files, { mode: 'apply', env });
    expect(first.ok, formatReport(first).join('\n')).toBe(true);
    const plan = actions(first);
    expect(plan).toMatchObject({
      'property/ltv': 'create',
      'property/purchase_list': 'create',
      'group/high_value_automotive': 'create',
      'app/mailchimpapp': 'create',
      'destination/mailchimp': 'create',
      'app/hubspot': 'create',
      'destination/hubspot_contacts': 'create',
      'app/logger': 'skip',
      'destination/logger_destination': 'skip',
      'source/demo_users': 'skip',
      'schedule/demo_users_schedule': 'skip',
      'model/users': 'skip',
    });
    const reasons = Object.fromEntries(first.plan.map((e) => [e.id, e.message]));
    expect(reasons.logger).toContain('unsupported app type "logger"');
    expect(reasons.logger_destination).toContain('"logger-export-records"');
    expect(reasons.demo_users_schedule).toContain('not applicable');

    // The demo's purchases are years old: moved so the newest was 45 days ago, "purchased in
    // the last 60 days" holds for some users and not for others.
    const profiles = await loadDemoProfiles();
    const dates = profiles.flatMap((p) => {
      const at = p.properties.last_purchase_date;
      return typeof at === 'string' ? [Date.parse(at)] : [];
    });
    const shiftMs = Date.now() - 45 * 24 * 3_600_000 - Math.max(...dates);
    for (const p of profiles) {
      const at = p.properties.last_purchase_date;
      if (typeof at === 'string') {
        p.properties.last_purchase_date = new Date(Date.parse(at) + shiftMs).toISOString();
      }
    }
    const imported = await call('POST', '/profiles/batch', { profiles });
    expect(imported.status).toBe(200);

    const expected = await expectedMembers(shiftMs);
    expect(expected.high_value!.size).toBe(185);
    expect(expected.high_value_automotive!.size).toBeGreaterThan(0);
    expect(expected.high_value_automotive!.size).toBeLessThan(expected.high_value!.size);
    for (const [groupId, ids] of Object.entries(expected)) {
      const members: string[] = [];
      let after: string | null = null;
      do {
        const page: { body: { profileIds: string[]; next: string | null } } = await call(
          'GET',
          `/groups/${groupId}/members?limit=1000${after ? `&after=${after}` : ''}`,
        );
        members.push(...page.body.profileIds);
        after = page.body.next;
      } while (after);
      expect(new Set(members), groupId).toEqual(ids);
    }

    const destination = (await call('GET', '/destinations/mailchimp')).body;
    expect(destination).toMatchObject({
      appId: 'mailchimpapp',
      collection: 'none',
      options: { listId: list.id },
      mapping: { FNAME: 'first_name', LNAME: 'last_name', email_address: 'email' },
      groupMapping: { spanish_speakers: 'Spanish Speakers', high_value: 'High Value' },
    });
    expect((await call('GET', '/destinations/hubspot_contacts')).body).toMatchObject({
      appId: 'hubspot',
      collection: 'none',
      mapping: { email: 'email', firstname: 'first_name', lastname: 'last_name' },
      groupMapping: { high_value: 'High Value' },
    });
    const app = (await call('GET', '/apps/mailchimpapp')).body;
    expect(app.options.apiKey).not.toBe(mailchimp.apiKey);
  });

  it('changes nothing when applied again', async () => {
    const again = await run(await readConfigDir(dir), { mode: 'apply', env });
    expect(again.ok, formatReport(again).join('\n')).toBe(true);
    const changed = again.plan.filter((e) => !['unchanged', 'skip'].includes(e.action));
    expect(changed).toEqual([]);
  });
});
