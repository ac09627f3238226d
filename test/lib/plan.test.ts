import { describe, expect, it } from 'vitest';
import { planExport, type PlanInput } from '../../lib/plan';

const mappingOptions = {
  required: [{ key: 'email', type: 'email' as const }],
  known: [
    { key: 'age', type: 'integer' as const },
    { key: 'score', type: 'string' as const },
    { key: 'vip', type: 'boolean' as const },
    { key: 'tags', type: 'string' as const },
    { key: 'first_tag', type: 'string' as const },
    { key: 'signed_up', type: 'number' as const },
  ],
  allowCustomFields: true,
  arrayFields: ['tags'],
};

const propertyTypes = {
  email: { type: 'email' as const, isArray: false },
  age: { type: 'integer' as const, isArray: false },
  vip: { type: 'boolean' as const, isArray: false },
  tags: { type: 'string' as const, isArray: true },
  signedUp: { type: 'date' as const, isArray: false },
  nickname: { type: 'string' as const, isArray: false },
};

function input(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    destination: {
      collection: 'group',
      groupId: 'g-tracked',
      mapping: { email: 'email', age: 'age' },
      groupMapping: { 'g-tracked': 'Tracked', 'g-other': 'Other' },
      syncMode: 'sync',
    },
    propertyTypes,
    mappingOptions,
    profile: { id: 'p1', properties: { email: 'a@example.com', age: 30 } },
    memberGroupIds: ['g-tracked'],
    baseline: null,
    force: false,
    ...overrides,
  };
}

const sent = {
  toDelete: false,
  newProperties: { email: 'a@example.com', age: 30 },
  newGroups: ['Tracked'],
};

describe('planExport', () => {
  it('refuses to plan a record without the identifier the tool requires', () => {
    const profile = { id: 'p1', properties: { age: 30 } };
    expect(() => planExport(input({ profile }))).toThrow(
      'no value for email, which this destination requires (mapped from the property email)',
    );
  });

  it('deletes by the identifier last sent when the profile lost it and left', () => {
    const profile = { id: 'p1', properties: { age: 30 } };
    const plan = planExport(input({ profile, memberGroupIds: [], baseline: sent }));
    expect(plan).toMatchObject({ toDelete: true, newProperties: sent.newProperties });
  });

  it('exports a first-time member with empty old values', () => {
    expect(planExport(input())).toEqual({
      toDelete: false,
      oldProperties: {},
      newProperties: { email: 'a@example.com', age: 30 },
      oldGroups: [],
      newGroups: ['Tracked'],
      hasChanges: true,
    });
  });

  it('takes old values and groups from a baseline that was not a delete', () => {
    const plan = planExport(
      input({
        baseline: sent,
        profile: { id: 'p1', properties: { email: 'a@example.com', age: 31 } },
      }),
    );
    expect(plan?.oldProperties).toEqual(sent.newProperties);
    expect(plan?.oldGroups).toEqual(['Tracked']);
    expect(plan?.newProperties.age).toBe(31);
  });

  it('starts from empty old values after a baseline that was a delete', () => {
    const plan = planExport(input({ baseline: { ...sent, toDelete: true } }));
    expect(plan?.oldProperties).toEqual({});
    expect(plan?.oldGroups).toEqual([]);
    expect(plan?.hasChanges).toBe(true);
  });

  it('returns null for an out-of-scope profile the remote never held', () => {
    expect(planExport(input({ memberGroupIds: [] }))).toBeNull();
    expect(
      planExport(input({ memberGroupIds: [], baseline: { ...sent, toDelete: true } })),
    ).toBeNull();
    expect(planExport(input({ profile: null, memberGroupIds: [] }))).toBeNull();
  });

  it('deletes a profile that left the tracked group under sync', () => {
    const plan = planExport(input({ memberGroupIds: ['g-other'], baseline: sent }));
    expect(plan).toMatchObject({ toDelete: true, newGroups: ['Other'], hasChanges: true });
    expect(plan?.newProperties).toEqual({ email: 'a@example.com', age: 30 });
  });

  it('deletes everyone the remote holds when the collection is none', () => {
    const plan = planExport(
      input({ destination: { ...input().destination, collection: 'none' }, baseline: sent }),
    );
    expect(plan?.toDelete).toBe(true);
  });

  it('exports every profile when the collection is all', () => {
    const plan = planExport(
      input({ destination: { ...input().destination, collection: 'all' }, memberGroupIds: [] }),
    );
    expect(plan).toMatchObject({ toDelete: false, newGroups: [] });
  });

  it('deletes a deleted profile with the values last sent', () => {
    const plan = planExport(input({ profile: null, memberGroupIds: [], baseline: sent }));
    expect(plan).toMatchObject({
      toDelete: true,
      newProperties: sent.newProperties,
      hasChanges: true,
    });
  });

  it('deletes by the last identifier when the profile lost its own', () => {
    const profile = { id: 'p1', properties: { email: null, age: 30 } };
    const plan = planExport(input({ profile, memberGroupIds: [], baseline: sent }));
    expect(plan?.newProperties.email).toBe('a@example.com');
  });

  it('turns a delete into an update without groups under additive and enrich', () => {
    for (const syncMode of ['additive', 'enrich'] as const) {
      const destination = { ...input().destination, syncMode };
      const plan = planExport(input({ destination, memberGroupIds: ['g-other'], baseline: sent }));
      expect(plan).toMatchObject({
        toDelete: false,
        newGroups: [],
        oldGroups: ['Tracked'],
        hasChanges: true,
      });
    }
  });

  it('converts values to the remote field type and passes custom fields as stored', () => {
    const destination = {
      ...input().destination,
      mapping: { email: 'email', score: 'age', signed_up: 'signedUp', custom_vip: 'vip' },
    };
    const profile = {
      id: 'p1',
      properties: {
        email: 'a@example.com',
        age: 7,
        signedUp: '2024-01-02T00:00:00.000Z',
        vip: true,
      },
    };
    expect(planExport(input({ destination, profile }))?.newProperties).toEqual({
      email: 'a@example.com',
      score: '7',
      signed_up: Date.parse('2024-01-02T00:00:00.000Z'),
      custom_vip: true,
    });
  });

  it('sends arrays only to array fields and the first element elsewhere', () => {
    const destination = {
      ...input().destination,
      mapping: { email: 'email', tags: 'tags', first_tag: 'tags' },
    };
    const profile = { id: 'p1', properties: { email: 'a@example.com', tags: ['x', 'y'] } };
    const plan = planExport(input({ destination, profile }));
    expect(plan?.newProperties).toMatchObject({ tags: ['x', 'y'], first_tag: 'x' });
  });

  it('drops null, absent and empty-array values but keeps 0 and false', () => {
    const destination = {
      ...input().destination,
      mapping: { email: 'email', age: 'age', vip: 'vip', tags: 'tags', nick: 'nickname' },
    };
    const profile = {
      id: 'p1',
      properties: { email: 'a@example.com', age: 0, vip: false, tags: [], nickname: null },
    };
    expect(planExport(input({ destination, profile }))?.newProperties).toEqual({
      email: 'a@example.com',
      age: 0,
      vip: false,
    });
  });

  it('lists the sorted unique remote names of mapped groups only', () => {
    const destination = {
      ...input().destination,
      groupMapping: { 'g-tracked': 'Zeta', 'g-other': 'Alpha', 'g-dup': 'Alpha' },
    };
    const plan = planExport(
      input({ destination, memberGroupIds: ['g-tracked', 'g-other', 'g-dup', 'g-unmapped'] }),
    );
    expect(plan?.newGroups).toEqual(['Alpha', 'Zeta']);
  });

  it('marks an unchanged profile as a no-op', () => {
    expect(planExport(input({ baseline: sent }))?.hasChanges).toBe(false);
  });

  it('ignores key order of the baseline when looking for changes', () => {
    const baseline = { ...sent, newProperties: { age: 30, email: 'a@example.com' } };
    expect(planExport(input({ baseline }))?.hasChanges).toBe(false);
  });

  it('counts a change of groups alone as a change', () => {
    const plan = planExport(input({ baseline: sent, memberGroupIds: ['g-tracked', 'g-other'] }));
    expect(plan?.hasChanges).toBe(true);
  });

  it('sends an unchanged profile when forced', () => {
    expect(planExport(input({ baseline: sent, force: true }))?.hasChanges).toBe(true);
  });

  it('keeps recording no-ops for a downgraded delete that was already applied', () => {
    const destination = { ...input().destination, syncMode: 'additive' as const };
    const baseline = { ...sent, newGroups: [] };
    const plan = planExport(input({ destination, memberGroupIds: [], baseline }));
    expect(plan).toMatchObject({ toDelete: false, hasChanges: false });
  });
});
