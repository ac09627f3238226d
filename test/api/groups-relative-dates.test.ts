import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { RelativeUnit as Unit } from '../../lib/rules';
import { testApi, uid } from './harness';

/**
 * "In the past N units" (`relative_gt`) and "in the next N units" (`relative_lt`), every unit,
 * at the edge of the window. Each case owns profiles whose ids share a prefix, and its group
 * also requires that prefix, so a case sees its own profiles only.
 */

const margin = 5 * 60_000;
const months: Partial<Record<Unit, number>> = { months: 1, quarters: 3, years: 12 };

describe('relative date rules', async () => {
  const { call, db } = await testApi();
  const when = uid('when');
  const whens = uid('whens');
  await call('POST', '/properties', { key: when, type: 'date' });
  await call('POST', '/properties', { key: whens, type: 'date', isArray: true });

  /** now ± n units, by Postgres's calendar (a month is not a fixed number of days). */
  async function edge(sign: 1 | -1, n: number, unit: Unit): Promise<number> {
    const span = months[unit] ? `${n * months[unit]!} months` : `${n} ${unit}`;
    const at = sql.raw(`now() ${sign > 0 ? '+' : '-'} interval '${span}'`);
    const [row] = await db.execute<{ ms: number }>(
      sql`select (extract(epoch from ${at}) * 1000)::float8 as ms`,
    );
    return row!.ms;
  }

  /** Writes the profiles `prefix_<name>` and returns which of them the rule holds. */
  async function members(
    values: Record<string, unknown>,
    rule: Record<string, unknown>,
  ): Promise<string[]> {
    const prefix = uid('rel');
    const profiles = Object.entries(values).map(([name, v]) => ({
      id: `${prefix}_${name}`,
      properties: v === undefined ? {} : { [Array.isArray(v) ? whens : when]: v },
    }));
    expect((await call('POST', '/profiles/batch', { profiles })).status).toBe(200);
    const own = { property: '_id', op: 'startsWith', match: `${prefix}_` };
    const group = await call('POST', '/groups', { name: 'relative', rules: [own, rule] });
    expect(group.status, JSON.stringify(group.body)).toBe(201);
    const page = await call('GET', `/groups/${group.body.id}/members`);
    return (page.body.profileIds as string[]).map((id) => id.slice(prefix.length + 1)).sort();
  }

  const iso = (ms: number) => new Date(ms).toISOString();
  const relative = (op: string, n: number, unit: Unit) => ({
    property: when,
    op,
    relativeMatchNumber: n,
    relativeMatchUnit: unit,
  });

  for (const [n, unit] of [
    [3, 'days'],
    [2, 'weeks'],
    [1, 'months'],
    [1, 'quarters'],
    [1, 'years'],
  ] as const) {
    it(`holds dates in the past ${n} ${unit}, not older ones nor future ones`, async () => {
      const start = await edge(-1, n, unit);
      const values = {
        inside: iso(start + margin),
        outside: iso(start - margin),
        recent: iso(Date.now() - margin),
        future: iso(Date.now() + margin),
        none: undefined,
      };
      const got = await members(values, relative('relative_gt', n, unit));
      expect(got).toEqual(['inside', 'recent']);
    });

    it(`holds dates in the next ${n} ${unit}, not later ones nor past ones`, async () => {
      const end = await edge(1, n, unit);
      const values = {
        inside: iso(end - margin),
        outside: iso(end + margin),
        soon: iso(Date.now() + margin),
        past: iso(Date.now() - margin),
        none: undefined,
      };
      const got = await members(values, relative('relative_lt', n, unit));
      expect(got).toEqual(['inside', 'soon']);
    });
  }

  it('matches a date array when any element falls in the window', async () => {
    const values = {
      past: ['2001-01-01', iso(Date.now() - margin)],
      next: ['2001-01-01', iso(Date.now() + margin)],
      old: ['2001-01-01'],
      none: undefined,
    };
    const rule = (op: string) => ({ ...relative(op, 1, 'days'), property: whens });
    expect(await members(values, rule('relative_gt'))).toEqual(['past']);
    expect(await members(values, rule('relative_lt'))).toEqual(['next']);
  });

  it('names the missing or unknown part of a relative rule', async () => {
    const cases: [Record<string, unknown>, { path: string; message: string }][] = [
      [
        { relativeMatchUnit: 'days' },
        { path: 'rules[0].relativeMatchNumber', message: 'operator "relative_gt" needs it' },
      ],
      [
        { relativeMatchNumber: 2 },
        { path: 'rules[0].relativeMatchUnit', message: 'operator "relative_gt" needs it' },
      ],
    ];
    for (const [parts, issue] of cases) {
      const res = await call('POST', '/groups', {
        name: 'x',
        rules: [{ property: when, op: 'relative_gt', ...parts }],
      });
      expect(res.status).toBe(400);
      expect(res.body.error.issues).toEqual([issue]);
    }
    const decades = await call('POST', '/groups', {
      name: 'x',
      rules: [relative('relative_lt', 1, 'decades' as Unit)],
    });
    expect(decades.status).toBe(400);
    expect(decades.body.error.issues[0].path).toBe('rules[0].relativeMatchUnit');
    expect(decades.body.error.issues[0].message).toMatch(/, got "decades"$/);
  });
});
