import { describe, expect, it } from 'vitest';
import { formatReport } from '../../config';
import type { ConfigFile } from '../../config/sources';
import { actions, configHarness } from './harness';

const json = (name: string, value: unknown): ConfigFile => ({
  name,
  content: JSON.stringify(value),
});

const secret = 'a-webhook-secret-from-the-environment';
const env = { HOOK_SECRET: secret, HOOK_HOST: 'hooks.example.test' };

function setup(rules: unknown[] = [{ property: 'ltv', op: 'gt', match: '100' }]): ConfigFile[] {
  return [
    json('properties.json', [
      { kind: 'property', key: 'email', type: 'email', unique: true },
      { kind: 'property', key: 'ltv', type: 'float' },
    ]),
    {
      name: 'groups/vip.yaml',
      content: `kind: group\nid: vip\nname: VIP\nrules: ${JSON.stringify(rules)}\n`,
    },
    json('apps/hook.json', {
      kind: 'app',
      id: 'hook',
      name: 'Hook',
      type: 'webhook',
      options: { url: 'https://${HOOK_HOST}/outflow', secret: { $env: 'HOOK_SECRET' } },
    }),
    json('destinations/hook.json', {
      kind: 'destination',
      id: 'hook_vips',
      name: 'VIPs to the hook',
      appId: 'hook',
      collection: 'group',
      groupId: 'vip',
      mapping: { id: 'email' },
      groupMapping: { vip: 'VIP' },
    }),
  ];
}

describe('configuration as code', async () => {
  const { call, run } = await configHarness();

  it('validates without changing anything, naming each bad object and field', async () => {
    const report = await run(setup([{ property: 'ltv', op: 'startsWith', match: '1' }]), {
      mode: 'validate',
      env,
    });
    expect(report.ok).toBe(false);
    const vip = report.plan.find((e) => e.id === 'vip')!;
    expect(vip.action).toBe('error');
    expect(vip.issues?.[0]?.path).toBe('rules[0].op');
    expect(actions(report)['property/ltv']).toBe('create');
    expect((await call('GET', '/properties')).body.properties).toEqual([]);
  });

  it('reports a missing environment variable by name before touching anything', async () => {
    const report = await run(setup(), { mode: 'apply', env: { HOOK_HOST: 'x.test' } });
    expect(report.ok).toBe(false);
    expect(report.issues.map((i) => i.message)).toEqual([
      'environment variable HOOK_SECRET is not set',
    ]);
    expect((await call('GET', '/apps')).body.apps).toEqual([]);
  });

  it('says which unset variable a Grouparoo option names, and blames the invalid app for its destination', async () => {
    const files = [
      json('mailchimp.json', {
        class: 'App',
        id: 'mc',
        name: 'Mailchimp',
        type: 'mailchimp',
        options: { apiKey: 'OUTFLOW_TEST_UNSET_KEY' },
      }),
      json('newsletter.json', {
        class: 'Destination',
        id: 'newsletter',
        name: 'Newsletter',
        type: 'mailchimp-export-contacts',
        appId: 'mc',
        collection: 'none',
        options: { listId: 'abc123' },
        mapping: {},
      }),
    ];
    const report = await run(files, { mode: 'validate', env: {} });
    const byId = Object.fromEntries(report.plan.map((e) => [e.id, e.message]));
    expect(byId.mc).toMatch(
      /^options\.apiKey: .*\(Grouparoo reads OUTFLOW_TEST_UNSET_KEY from the environment here: set it\)$/,
    );
    expect(byId.newsletter).toBe('appId: app "mc" is declared but invalid');
  });

  it('applies JSON and YAML in dependency order, and changes nothing the second time', async () => {
    const first = await run(setup(), { mode: 'apply', env });
    expect(first.ok, formatReport(first).join('\n')).toBe(true);
    expect(first.committed).toBe(true);
    expect(actions(first)).toEqual({
      'property/email': 'create',
      'property/ltv': 'create',
      'group/vip': 'create',
      'app/hook': 'create',
      'destination/hook_vips': 'create',
    });
    const destination = (await call('GET', '/destinations/hook_vips')).body;
    expect(destination).toMatchObject({
      collection: 'group',
      groupId: 'vip',
      groupMapping: { vip: 'VIP' },
    });
    const rules = (await call('GET', '/groups/vip')).body.rules;
    expect(rules).toEqual([{ property: 'ltv', op: 'gt', match: 100 }]);

    const second = await run(setup(), { mode: 'apply', env });
    expect(new Set(Object.values(actions(second)))).toEqual(new Set(['unchanged']));
    expect((await call('GET', '/destinations/hook_vips')).body.configVersion).toBe(
      destination.configVersion,
    );
  });

  it('puts back a default the files leave out when the API changed it', async () => {
    await run(setup(), { mode: 'apply', env });
    const patched = await call('PATCH', '/destinations/hook_vips', { syncMode: 'additive' });
    expect(patched.body.syncMode).toBe('additive');
    const report = await run(setup(), { mode: 'apply', env });
    expect(actions(report)['destination/hook_vips']).toBe('update');
    expect((await call('GET', '/destinations/hook_vips')).body.syncMode).toBe('sync');
    const again = await run(setup(), { mode: 'apply', env });
    expect(actions(again)['destination/hook_vips']).toBe('unchanged');
  });

  it('stores environment values but never shows them in the plan', async () => {
    const bad = { ...env, HOOK_HOST: 'bad host with spaces-and-secret-text' };
    const report = await run(setup(), { mode: 'apply', env: { ...bad, HOOK_SECRET: 'short' } });
    const text = formatReport(report).join('\n');
    expect(report.ok).toBe(false);
    expect(text).toContain('options.secret');
    expect(text).not.toContain('bad host with spaces-and-secret-text');
    expect(text).not.toContain('short"');
  });

  it('updates what changed and, with --prune, deletes what is no longer declared', async () => {
    await run(setup(), { mode: 'apply', env });
    const files = setup([{ property: 'ltv', op: 'gt', match: 500 }]).filter(
      (f) => !f.name.startsWith('destinations/'),
    );
    const dry = await run(files, { mode: 'apply', env, prune: true, dryRun: true });
    expect(actions(dry)).toMatchObject({
      'group/vip': 'update',
      'destination/hook_vips': 'delete',
    });
    expect(dry.committed).toBe(false);
    expect((await call('GET', '/groups/vip')).body.rules[0].match).toBe(100);

    const applied = await run(files, { mode: 'apply', env, prune: true });
    expect(applied.ok, formatReport(applied).join('\n')).toBe(true);
    expect((await call('GET', '/groups/vip')).body.rules[0].match).toBe(500);
    expect((await call('GET', '/destinations')).body.destinations).toEqual([]);
    const again = await run(files, { mode: 'apply', env, prune: true });
    // The deleted destination keeps its history, so its app stays, reported as kept.
    expect(actions(again)).toMatchObject({ 'group/vip': 'unchanged', 'app/hook': 'unchanged' });
  });

  it('answers the same through POST /config/validate and /config/apply', async () => {
    const objects = [{ kind: 'property', key: 'nickname', type: 'string' }];
    const validated = await call('POST', '/config/validate', { objects });
    expect(validated.status).toBe(200);
    expect(validated.body.plan).toEqual([
      { kind: 'property', id: 'nickname', action: 'create', source: 'objects[0]' },
    ]);
    expect((await call('GET', '/properties/nickname')).status).toBe(404);
    const files = [{ name: 'p.yaml', content: 'kind: property\nkey: nickname\ntype: string\n' }];
    expect((await call('POST', '/config/apply', { files })).status).toBe(200);
    expect((await call('GET', '/properties/nickname')).status).toBe(200);
    const wrong = await call('POST', '/config/apply', { objects: [{ kind: 'widget', id: 'x' }] });
    expect(wrong.status).toBe(422);
    expect(wrong.body.issues[0].message).toContain('"widget"');
    const both = await call('POST', '/config/validate', { files, objects });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toContain('objects: send files or objects, not both');
  });

  it('prints each problem of an object once', async () => {
    const report = await run(
      [json('hook.json', { kind: 'app', id: 'h2', name: 'H', type: 'webhook', options: {} })],
      { mode: 'validate', env },
    );
    const text = formatReport(report);
    expect(report.plan[0]!.issues!.length).toBeGreaterThan(1);
    expect(text[0]).toMatch(/^error +app "h2": \d+ problems$/);
    for (const issue of report.plan[0]!.issues!) {
      expect(text.filter((l) => l.includes(`${issue.path}: `))).toHaveLength(1);
    }
  });
});
