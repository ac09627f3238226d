import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { testApi, uid } from './harness';

const hour = 3_600_000;
const day = 24 * hour;
const iso = (ms: number) => new Date(Date.now() + ms).toISOString();

describe('group rule operators', async () => {
  const { call, db } = await testApi();
  const k = {
    str: uid('str'),
    mail: uid('mail'),
    num: uid('num'),
    flt: uid('flt'),
    flag: uid('flag'),
    day: uid('day'),
    tags: uid('tags'),
    nums: uid('nums'),
  };
  const types: Record<string, [string, boolean?]> = {
    str: ['string'],
    mail: ['email'],
    num: ['integer'],
    flt: ['float'],
    flag: ['boolean'],
    day: ['date'],
    tags: ['string', true],
    nums: ['integer', true],
  };
  for (const [name, [type, isArray]] of Object.entries(types)) {
    const res = await call('POST', '/properties', {
      key: k[name as keyof typeof k],
      type,
      isArray,
    });
    expect(res.status).toBe(201);
  }

  const p = { a: uid('a'), b: uid('b'), c: uid('c'), d: uid('d'), e: uid('e') };
  const values: Record<string, Record<string, unknown>> = {
    a: {
      [k.str]: 'Apple_pie',
      [k.mail]: 'ann@demo.com',
      [k.num]: 10,
      [k.flt]: 1.5,
      [k.flag]: true,
      [k.day]: iso(-10 * day + hour), // just inside "the past 10 days"
      [k.tags]: ['red', 'blue'],
      [k.nums]: [1, 5],
    },
    b: {
      [k.str]: 'apple%',
      [k.mail]: 'bob@other.org',
      [k.num]: 20,
      [k.flt]: 2.5,
      [k.flag]: false,
      [k.day]: iso(10 * day - hour), // just inside "the next 10 days"
      [k.tags]: ['green'],
      [k.nums]: [7],
    },
    c: { [k.str]: 'banana', [k.num]: -1, [k.day]: '2001-01-01T00:00:00.000Z' },
    d: {},
    e: { [k.day]: iso(-10 * day - hour) }, // just outside "the past 10 days"
  };
  const res = await call('POST', '/profiles/batch', {
    profiles: Object.entries(p).map(([name, id]) => ({ id, properties: values[name] })),
  });
  expect(res.status).toBe(200);
  const names = new Map(Object.entries(p).map(([name, id]) => [id, name]));

  /** Creates a group with the rules and returns which of this file's profiles are members. */
  async function members(rules: unknown[], matchType = 'all'): Promise<string> {
    const group = await call('POST', '/groups', { name: 'g', matchType, rules });
    expect(group.status, JSON.stringify(group.body)).toBe(201);
    const rows = await db.execute<{ profile_id: string }>(sql`
      select profile_id from group_members where group_id = ${group.body.id}
        and profile_id = any(${sql.param(Object.values(p))}::text[])`);
    return rows
      .map((r) => names.get(r.profile_id)!)
      .sort()
      .join(',');
  }
  const rule = (key: string, op: string, match?: unknown) => [{ property: key, op, match }];

  it('matches strings with eq, ne, like, iLike and their negations', async () => {
    expect(await members(rule(k.str, 'eq', 'banana'))).toBe('c');
    expect(await members(rule(k.str, 'ne', 'banana'))).toBe('a,b,d,e');
    expect(await members(rule(k.str, 'like', 'apple%'))).toBe('b');
    expect(await members(rule(k.str, 'iLike', 'apple%'))).toBe('a,b');
    expect(await members(rule(k.str, 'notLike', 'apple%'))).toBe('a,c,d,e');
    expect(await members(rule(k.str, 'notILike', 'APPLE%'))).toBe('c,d,e');
  });

  it('treats the text of startsWith, endsWith and substring literally, wildcards included', async () => {
    expect(await members(rule(k.str, 'startsWith', 'apple%'))).toBe('b');
    expect(await members(rule(k.str, 'startsWith', 'Apple_'))).toBe('a');
    expect(await members(rule(k.str, 'startsWith', 'Apple'))).toBe('a');
    expect(await members(rule(k.str, 'endsWith', '_pie'))).toBe('a');
    expect(await members(rule(k.str, 'substring', 'nan'))).toBe('c');
    expect(await members(rule(k.str, 'substring', '%'))).toBe('b');
    expect(await members(rule(k.str, 'substring', 'x'))).toBe('');
  });

  it('matches emails by pattern', async () => {
    expect(await members(rule(k.mail, 'endsWith', '@demo.com'))).toBe('a');
    expect(await members(rule(k.mail, 'iLike', '%@OTHER.org'))).toBe('b');
    expect(await members(rule(k.mail, 'eq', 'bob@other.org'))).toBe('b');
  });

  it('compares integers and floats at the boundaries', async () => {
    expect(await members(rule(k.num, 'gt', 10))).toBe('b');
    expect(await members(rule(k.num, 'gte', 10))).toBe('a,b');
    expect(await members(rule(k.num, 'lt', 10))).toBe('c');
    expect(await members(rule(k.num, 'lte', '10'))).toBe('a,c');
    expect(await members(rule(k.num, 'ne', 20))).toBe('a,c,d,e');
    expect(await members(rule(k.flt, 'gte', 1.5))).toBe('a,b');
    expect(await members(rule(k.flt, 'lt', 2.5))).toBe('a');
  });

  it('matches booleans with eq and ne only', async () => {
    expect(await members(rule(k.flag, 'eq', true))).toBe('a');
    expect(await members(rule(k.flag, 'eq', 'false'))).toBe('b');
    expect(await members(rule(k.flag, 'ne', true))).toBe('b,c,d,e');
    const bad = await call('POST', '/groups', {
      name: 'bad',
      rules: [...rule(k.flag, 'exists'), ...rule(k.flag, 'gt', true)],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe('rules[1].op');
    expect(bad.body.error.issues[0].message).toContain('"gt"');
  });

  it('compares dates as timestamps', async () => {
    expect(await members(rule(k.day, 'gt', '2020-01-01'))).toBe('a,b,e');
    expect(await members(rule(k.day, 'lte', '2001-01-01T00:00:00Z'))).toBe('c');
    expect(await members(rule(k.day, 'lt', '2001-01-01T00:00:00Z'))).toBe('');
    expect(await members(rule(k.day, 'eq', '2001-01-01T01:00:00+01:00'))).toBe('c');
  });

  it('bounds relative date rules by now on the other side, at the edge of the window', async () => {
    const relative = (op: string, n: number, unit: string) => [
      { property: k.day, op, relativeMatchNumber: n, relativeMatchUnit: unit },
    ];
    expect(await members(relative('relative_gt', 10, 'days'))).toBe('a');
    expect(await members(relative('relative_lt', 10, 'days'))).toBe('b');
    expect(await members(relative('relative_gt', 1, 'weeks'))).toBe('');
    expect(await members(relative('relative_gt', 2, 'weeks'))).toBe('a,e');
    expect(await members(relative('relative_gt', 1, 'months'))).toBe('a,e');
    expect(await members(relative('relative_lt', 1, 'quarters'))).toBe('b');
    expect(await members(relative('relative_gt', 30, 'years'))).toBe('a,c,e');
    const missing = await call('POST', '/groups', { name: 'x', rules: rule(k.day, 'relative_gt') });
    expect(missing.body.error.issues[0].path).toBe('rules[0].relativeMatchNumber');
    const wrong = await call('POST', '/groups', {
      name: 'x',
      rules: [
        { property: k.num, op: 'relative_lt', relativeMatchNumber: 1, relativeMatchUnit: 'days' },
      ],
    });
    expect(wrong.body.error.issues[0].path).toBe('rules[0].op');
  });

  it('matches arrays when any element matches, and negations when none does', async () => {
    expect(await members(rule(k.tags, 'eq', 'blue'))).toBe('a');
    expect(await members(rule(k.tags, 'ne', 'blue'))).toBe('b,c,d,e');
    expect(await members(rule(k.tags, 'startsWith', 'gr'))).toBe('b');
    expect(await members(rule(k.tags, 'notLike', 'r%'))).toBe('b,c,d,e');
    expect(await members(rule(k.tags, 'notILike', 'R%'))).toBe('b,c,d,e');
    expect(await members(rule(k.nums, 'gt', 6))).toBe('b');
    expect(await members(rule(k.nums, 'lte', 1))).toBe('a');
    expect(await members(rule(k.nums, 'ne', 5))).toBe('b,c,d,e');
    expect(await members(rule(k.tags, 'exists'))).toBe('a,b');
    expect(await members(rule(k.tags, 'notExists'))).toBe('c,d,e');
  });

  it("matches the profile's own id and creation time", async () => {
    expect(await members(rule('_id', 'eq', p.a))).toBe('a');
    expect(await members(rule('_id', 'ne', p.a))).toBe('b,c,d,e');
    expect(await members(rule('_id', 'startsWith', p.b.slice(0, 3)))).toBe('b');
    const recent = [
      {
        property: '_createdAt',
        op: 'relative_gt',
        relativeMatchNumber: 1,
        relativeMatchUnit: 'days',
      },
    ];
    expect(await members(recent)).toBe('a,b,c,d,e');
    expect(await members(rule('_createdAt', 'lt', '2001-01-01'))).toBe('');
    const bad = await call('POST', '/groups', {
      name: 'x',
      rules: rule('_createdAt', 'like', 'x'),
    });
    expect(bad.body.error.issues[0].path).toBe('rules[0].op');
  });

  it('combines different operators with all and any', async () => {
    const rules = [...rule(k.str, 'startsWith', 'b'), ...rule(k.num, 'gte', 20)];
    expect(await members(rules, 'any')).toBe('b,c');
    expect(await members(rules, 'all')).toBe('');
  });
});
