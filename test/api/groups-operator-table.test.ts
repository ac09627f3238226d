import { describe, expect, it } from 'vitest';
import type { PropertyType } from '../../lib/domain';
import { ruleOps, type RuleOp } from '../../lib/rules';
import { testApi, uid } from './harness';

/**
 * Grouparoo's table of operators per property type (grouparoo-destinations.md §2.2), row by
 * row. Profiles a, b and c hold a value of every property, d holds none. For array properties
 * c holds an empty list, which is stored as no value.
 */

const strings = [
  'exists',
  'notExists',
  'eq',
  'ne',
  'like',
  'notLike',
  'iLike',
  'notILike',
  'startsWith',
  'endsWith',
  'substring',
] as const;
const numbers = ['exists', 'notExists', 'eq', 'ne', 'gt', 'lt', 'gte', 'lte'] as const;
const allowed: Record<PropertyType, readonly RuleOp[]> = {
  boolean: ['exists', 'notExists', 'eq', 'ne'],
  integer: numbers,
  float: numbers,
  string: strings,
  email: strings,
  phone: strings,
  url: strings,
  date: [...numbers, 'relative_gt', 'relative_lt'],
};

/** An operator, its match, and the members among a–d it gives. */
type Case = [op: RuleOp, match: unknown, members: string];
interface Row {
  type: PropertyType;
  values: [unknown, unknown, unknown];
  cases: Case[];
}

const scalarRows: Row[] = [
  {
    type: 'string',
    values: ['Apple_pie', 'apple%', 'banana'],
    cases: [
      ['exists', undefined, 'a,b,c'],
      ['notExists', undefined, 'd'],
      ['eq', 'banana', 'c'],
      ['ne', 'banana', 'a,b,d'],
      ['like', 'apple%', 'b'],
      ['like', '_pple%', 'a,b'],
      ['notLike', 'apple%', 'a,c,d'],
      ['iLike', 'APPLE%', 'a,b'],
      ['notILike', 'APPLE%', 'c,d'],
      ['startsWith', 'apple%', 'b'],
      ['startsWith', 'Apple_', 'a'],
      ['endsWith', '_pie', 'a'],
      ['substring', 'an', 'c'],
      ['substring', '%', 'b'],
    ],
  },
  {
    type: 'email',
    values: ['Ann@Demo.com', 'bob@other.org', 'carl@demo.co.uk'],
    cases: [
      ['exists', undefined, 'a,b,c'],
      ['notExists', undefined, 'd'],
      ['eq', 'ANN@demo.com', 'a'],
      ['ne', 'ann@demo.com', 'b,c,d'],
      ['like', '%@demo.%', 'a,c'],
      // Emails are stored lower-cased, and so are the patterns that match them.
      ['like', '%@Demo.com', 'a'],
      ['notLike', '%@demo.%', 'b,d'],
      ['iLike', '%@DEMO.COM', 'a'],
      ['notILike', '%@DEMO.%', 'b,d'],
      ['startsWith', 'Bob@', 'b'],
      ['endsWith', '.org', 'b'],
      ['substring', '@demo.', 'a,c'],
    ],
  },
  {
    type: 'url',
    values: ['https://Example.com/shop', 'http://blog.example.org/post?id=1', 'https://other.net'],
    cases: [
      ['exists', undefined, 'a,b,c'],
      ['notExists', undefined, 'd'],
      ['eq', 'https://other.net', 'c'],
      ['ne', 'https://other.net/', 'a,b,d'],
      ['like', 'https://%', 'a,c'],
      ['notLike', 'https://%', 'b,d'],
      ['iLike', 'HTTPS://%.NET/', 'c'],
      ['notILike', 'HTTP://%', 'a,c,d'],
      ['startsWith', 'http://', 'b'],
      ['endsWith', '/shop', 'a'],
      ['substring', '?id=', 'b'],
      ['substring', 'example.', 'a,b'],
    ],
  },
  {
    type: 'phone',
    values: ['+1 555 0100', '+44 20 7946 0958', '(555) 0199'],
    cases: [
      ['exists', undefined, 'a,b,c'],
      ['notExists', undefined, 'd'],
      ['eq', ' +1 555 0100 ', 'a'],
      ['ne', '+1 555 0100', 'b,c,d'],
      ['like', '+%', 'a,b'],
      ['notLike', '+%', 'c,d'],
      ['iLike', '%0958', 'b'],
      ['notILike', '%0958', 'a,c,d'],
      ['startsWith', '(555)', 'c'],
      ['endsWith', '0100', 'a'],
      ['substring', '555', 'a,c'],
    ],
  },
  {
    type: 'integer',
    values: [10, 20, -1],
    cases: [
      ['exists', undefined, 'a,b,c'],
      ['notExists', undefined, 'd'],
      ['eq', 10, 'a'],
      ['eq', '20', 'b'],
      ['ne', 10, 'b,c,d'],
      ['gt', 10, 'b'],
      ['gte', 10, 'a,b'],
      ['lt', 10, 'c'],
      ['lte', 10, 'a,c'],
      ['gt', -1, 'a,b'],
      ['gte', -1, 'a,b,c'],
      ['lt', -1, ''],
      ['lte', -1, 'c'],
    ],
  },
  {
    type: 'float',
    values: [1.5, 2.25, 0],
    cases: [
      ['exists', undefined, 'a,b,c'],
      ['notExists', undefined, 'd'],
      ['eq', 1.5, 'a'],
      ['eq', 0, 'c'],
      ['ne', 1.5, 'b,c,d'],
      ['gt', 1.5, 'b'],
      ['gte', 1.5, 'a,b'],
      ['lt', 1.5, 'c'],
      ['lte', 1.5, 'a,c'],
      ['gt', 2.2, 'b'],
      ['lte', '2.25', 'a,b,c'],
      ['lt', 0, ''],
    ],
  },
  {
    type: 'boolean',
    values: [true, false, false],
    cases: [
      ['exists', undefined, 'a,b,c'],
      ['notExists', undefined, 'd'],
      ['eq', true, 'a'],
      ['eq', 'false', 'b,c'],
      ['ne', true, 'b,c,d'],
      ['ne', false, 'a,d'],
    ],
  },
  {
    type: 'date',
    values: ['2024-03-01T12:00:00Z', '2024-03-01T12:00:00.001Z', '1999-12-31'],
    cases: [
      ['exists', undefined, 'a,b,c'],
      ['notExists', undefined, 'd'],
      ['eq', '2024-03-01T13:00:00+01:00', 'a'],
      ['eq', '2024-03-01T12:00:00.000Z', 'a'],
      ['ne', '2024-03-01T12:00:00Z', 'b,c,d'],
      ['gt', '2024-03-01T12:00:00Z', 'b'],
      ['gte', '2024-03-01T12:00:00Z', 'a,b'],
      ['lt', '2024-03-01T12:00:00Z', 'c'],
      ['lte', '2024-03-01T12:00:00Z', 'a,c'],
      ['gt', '1999-12-31', 'a,b'],
      ['lte', '1999-12-31', 'c'],
    ],
  },
];

// Affirmative operators match when any element does; negations when none does.
const arrayRows: Row[] = [
  {
    type: 'string',
    values: [['red', 'Blue'], ['green'], []],
    cases: [
      ['exists', undefined, 'a,b'],
      ['notExists', undefined, 'c,d'],
      ['eq', 'Blue', 'a'],
      ['ne', 'Blue', 'b,c,d'],
      ['like', 'gr%', 'b'],
      ['notLike', 'r%', 'b,c,d'],
      ['iLike', 'blue', 'a'],
      ['notILike', 'BLUE', 'b,c,d'],
      ['startsWith', 'Bl', 'a'],
      ['endsWith', 'en', 'b'],
      ['substring', 'e', 'a,b'],
    ],
  },
  {
    type: 'email',
    values: [['ann@demo.com', 'ann@work.org'], ['bob@demo.com'], []],
    cases: [
      ['exists', undefined, 'a,b'],
      ['notExists', undefined, 'c,d'],
      ['eq', 'ann@work.org', 'a'],
      ['ne', 'bob@demo.com', 'a,c,d'],
      ['like', '%@work.org', 'a'],
      ['notLike', '%@demo.com', 'c,d'],
      ['iLike', 'BOB@%', 'b'],
      ['notILike', '%@WORK.ORG', 'b,c,d'],
      ['startsWith', 'ann@', 'a'],
      ['endsWith', '@demo.com', 'a,b'],
      ['substring', 'work', 'a'],
    ],
  },
  {
    type: 'url',
    values: [['https://a.example/', 'http://b.example/x'], ['https://c.example/'], []],
    cases: [
      ['exists', undefined, 'a,b'],
      ['notExists', undefined, 'c,d'],
      ['eq', 'http://b.example/x', 'a'],
      ['ne', 'https://c.example', 'a,c,d'],
      ['like', 'http:%', 'a'],
      ['notLike', 'https:%', 'c,d'],
      ['iLike', 'HTTPS://C%', 'b'],
      ['notILike', 'HTTP:%', 'b,c,d'],
      ['startsWith', 'http://', 'a'],
      ['endsWith', '/x', 'a'],
      ['substring', 'example', 'a,b'],
    ],
  },
  {
    type: 'phone',
    values: [['+1 555 0100', '+1 555 0101'], ['+44 20 7946 0958'], []],
    cases: [
      ['exists', undefined, 'a,b'],
      ['notExists', undefined, 'c,d'],
      ['eq', '+1 555 0101', 'a'],
      ['ne', '+1 555 0101', 'b,c,d'],
      ['like', '+44%', 'b'],
      ['notLike', '+1%', 'b,c,d'],
      ['iLike', '%0100', 'a'],
      ['notILike', '%0958', 'a,c,d'],
      ['startsWith', '+1 ', 'a'],
      ['endsWith', '0958', 'b'],
      ['substring', '555', 'a'],
    ],
  },
  {
    type: 'integer',
    values: [[1, 5], [7], []],
    cases: [
      ['exists', undefined, 'a,b'],
      ['notExists', undefined, 'c,d'],
      ['eq', 5, 'a'],
      ['ne', 5, 'b,c,d'],
      ['gt', 5, 'b'],
      ['gte', 5, 'a,b'],
      ['lt', 5, 'a'],
      ['lte', 1, 'a'],
      ['lt', 1, ''],
    ],
  },
  {
    type: 'float',
    values: [[0.5, 2.5], [1], []],
    cases: [
      ['exists', undefined, 'a,b'],
      ['notExists', undefined, 'c,d'],
      ['eq', 2.5, 'a'],
      ['ne', 1, 'a,c,d'],
      ['gt', 2, 'a'],
      ['gte', 1, 'a,b'],
      ['lt', 1, 'a'],
      ['lte', 1, 'a,b'],
    ],
  },
  {
    type: 'boolean',
    values: [[true, false], [true], []],
    cases: [
      ['exists', undefined, 'a,b'],
      ['notExists', undefined, 'c,d'],
      ['eq', false, 'a'],
      ['eq', true, 'a,b'],
      ['ne', false, 'b,c,d'],
      ['ne', true, 'c,d'],
    ],
  },
  {
    type: 'date',
    values: [['2020-01-01', '2024-06-01'], ['2022-01-01'], []],
    cases: [
      ['exists', undefined, 'a,b'],
      ['notExists', undefined, 'c,d'],
      ['eq', '2022-01-01', 'b'],
      ['ne', '2022-01-01', 'a,c,d'],
      ['gt', '2023-01-01', 'a'],
      ['gte', '2022-01-01', 'a,b'],
      ['lt', '2021-01-01', 'a'],
      ['lte', '2022-01-01', 'a,b'],
    ],
  },
];

describe('the operator table of group rules', async () => {
  const { call } = await testApi();
  const scalarKey = Object.fromEntries(scalarRows.map((r) => [r.type, uid(r.type)]));
  const arrayKey = Object.fromEntries(arrayRows.map((r) => [r.type, uid(`${r.type}s`)]));
  for (const row of scalarRows) {
    const res = await call('POST', '/properties', { key: scalarKey[row.type], type: row.type });
    expect(res.status).toBe(201);
  }
  for (const row of arrayRows) {
    const body = { key: arrayKey[row.type], type: row.type, isArray: true };
    expect((await call('POST', '/properties', body)).status).toBe(201);
  }

  const names = ['a', 'b', 'c', 'd'] as const;
  const ids = Object.fromEntries(names.map((n) => [n, uid(n)]));
  const profiles = names.map((name, i) => {
    const properties: Record<string, unknown> = {};
    if (name !== 'd') {
      for (const row of scalarRows) properties[scalarKey[row.type]!] = row.values[i];
      for (const row of arrayRows) properties[arrayKey[row.type]!] = row.values[i];
    }
    return { id: ids[name], properties };
  });
  const written = await call('POST', '/profiles/batch', { profiles });
  expect(written.status, JSON.stringify(written.body)).toBe(200);
  const nameOf = new Map(names.map((n) => [ids[n], n]));

  /** The members among a–d of a new group with one rule, e.g. "a,c". */
  async function members(rule: Record<string, unknown>): Promise<string> {
    const group = await call('POST', '/groups', { name: 'table', rules: [rule] });
    expect(group.status, JSON.stringify(group.body)).toBe(201);
    const found: string[] = [];
    let after: string | null = null;
    do {
      const query: string = after ? `&after=${after}` : '';
      const page = await call('GET', `/groups/${group.body.id}/members?limit=1000${query}`);
      for (const id of page.body.profileIds as string[]) {
        const name = nameOf.get(id);
        if (name) found.push(name);
      }
      after = page.body.next;
    } while (after);
    return found.sort().join(',');
  }

  /** Every case of a row, as "op match" → members, so one failure shows them all. */
  async function evaluate(row: Row, key: string) {
    const actual: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const [op, match, want] of row.cases) {
      const label = `${op} ${JSON.stringify(match) ?? ''}`.trim();
      actual[label] = await members({ property: key, op, match });
      expected[label] = want;
    }
    expect(actual).toEqual(expected);
  }

  for (const row of scalarRows) {
    it(`applies every ${row.type} operator, at the boundaries`, async () => {
      await evaluate(row, scalarKey[row.type]!);
    });
  }

  for (const row of arrayRows) {
    it(`matches a ${row.type} array when any element matches, a negation when none does`, async () => {
      await evaluate(row, arrayKey[row.type]!);
    });
  }

  it('exercises every operator the table allows for each type', () => {
    for (const rows of [scalarRows, arrayRows]) {
      for (const row of rows) {
        const used = new Set<RuleOp>(row.cases.map(([op]) => op));
        // Relative date operators need the clock: groups-relative-dates.test.ts covers them.
        if (row.type === 'date') used.add('relative_gt').add('relative_lt');
        expect([...used].sort(), row.type).toEqual([...allowed[row.type]].sort());
      }
    }
  });

  it('refuses every operator the table does not allow, naming each rule, and creates nothing', async () => {
    const builtins: [string, PropertyType][] = [
      ['_id', 'string'],
      ['_createdAt', 'date'],
    ];
    const targets = [
      ...scalarRows.map((r): [string, PropertyType] => [scalarKey[r.type]!, r.type]),
    ];
    targets.push([arrayKey.integer!, 'integer'], ...builtins);
    for (const [key, type] of targets) {
      const refused = ruleOps.filter((op) => !allowed[type].includes(op));
      const name = uid('refused');
      const rules = refused.map((op) => ({
        property: key,
        op,
        match: 'x',
        relativeMatchNumber: 1,
        relativeMatchUnit: 'days',
      }));
      const res = await call('POST', '/groups', { name, rules });
      expect(res.status, type).toBe(400);
      const issues = refused.map((op, i) => ({
        path: `rules[${i}].op`,
        message: `operator "${op}" does not apply to ${type} property "${key}"`,
      }));
      expect(res.body.error).toEqual({
        message: `${issues[0]!.path}: ${issues[0]!.message}`,
        issues,
      });
      const groups = await call('GET', '/groups');
      expect(groups.body.groups.filter((g: { name: string }) => g.name === name)).toEqual([]);
    }
  });

  it('refuses an operator that does not fit on a rule change, keeping the rules', async () => {
    const key = scalarKey.boolean!;
    const group = await call('POST', '/groups', {
      name: 'flags',
      rules: [{ property: key, op: 'eq', match: true }],
    });
    const res = await call('PATCH', `/groups/${group.body.id}`, {
      rules: [
        { property: key, op: 'exists' },
        { property: key, op: 'lt', match: true },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual([
      { path: 'rules[1].op', message: `operator "lt" does not apply to boolean property "${key}"` },
    ]);
    const after = await call('GET', `/groups/${group.body.id}`);
    expect(after.body.rules).toEqual([{ property: key, op: 'eq', match: true }]);
    expect(await members({ property: key, op: 'eq', match: true })).toBe('a');
  });
});
