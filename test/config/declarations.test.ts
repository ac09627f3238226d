import { describe, expect, it } from 'vitest';
import { declarationsOf } from '../../config/declarations';
import { resolveEnv } from '../../config/env';

const at = (value: unknown, source = 'x.json') => ({ source, value });

describe('config declarations', () => {
  it("translates a Grouparoo destination's group memberships into the API's groupMapping", () => {
    const { declarations } = declarationsOf(
      [
        at({
          class: 'Destination',
          id: 'd',
          modelId: 'users',
          name: 'D',
          type: 'webhook-export',
          appId: 'a',
          collection: 'model',
          mapping: { id: 'email' },
          destinationGroupMemberships: { 'High Value': 'high_value' },
        }),
      ],
      ['webhook'],
      {},
    );
    expect(declarations[0]?.body).toMatchObject({
      collection: 'all',
      groupId: null,
      mapping: { id: 'email' },
      groupMapping: { high_value: 'High Value' },
    });
  });

  it('skips the destinations of an app of an unsupported type, and refuses duplicate ids', () => {
    const out = declarationsOf(
      [
        at({ class: 'App', id: 'old', name: 'Old', type: 'legacy', options: {} }),
        at({ class: 'Destination', id: 'd', name: 'D', type: 'webhook-x', appId: 'old' }),
        at({ kind: 'property', key: 'ltv', type: 'float' }, 'a.json'),
        at({ kind: 'property', key: 'ltv', type: 'float' }, 'b.json'),
      ],
      ['webhook'],
      {},
    );
    expect(out.skipped.map((s) => [s.kind, s.id, s.reason])).toEqual([
      ['app', 'old', 'unsupported app type "legacy", skipped'],
      ['destination', 'd', 'its app "old" is skipped'],
    ]);
    expect(out.issues).toEqual([
      { at: 'b.json', message: 'property "ltv" is also declared in a.json' },
    ]);
  });

  it('skips a Grouparoo manual group, saying why, rather than making it an empty rule group', () => {
    const out = declarationsOf(
      [at({ class: 'Group', id: 'picked', name: 'Picked', type: 'manual', modelId: 'users' })],
      ['webhook'],
      {},
    );
    expect(out.declarations).toEqual([]);
    expect(out.skipped.map((s) => [s.kind, s.id, s.reason])).toEqual([
      ['group', 'picked', 'manual group: its members are data, not configuration; skipped'],
    ]);
  });

  it('reads env var names in Grouparoo options only when they are set', () => {
    const app = at({
      class: 'App',
      id: 'm',
      name: 'M',
      type: 'webhook',
      options: { secret: 'HOOK_SECRET', url: 'HOOK_URL' },
    });
    const [d] = declarationsOf([app], ['webhook'], { HOOK_SECRET: 's3cret-value' }).declarations;
    expect(d?.body.options).toEqual({ secret: { $env: 'HOOK_SECRET' }, url: 'HOOK_URL' });
    const resolved = resolveEnv(d?.body, { HOOK_SECRET: 's3cret-value' });
    expect(resolved.value).toMatchObject({ options: { secret: 's3cret-value' } });
    expect(resolved.secrets).toEqual(['s3cret-value']);
  });
});
