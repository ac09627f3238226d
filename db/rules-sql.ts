import { own } from '../lib/own';
import { sql, type SQL } from 'drizzle-orm';
import type { PropertyType, ScalarValue } from '../lib/domain';
import type { GroupRule, MatchType, RelativeUnit, RuleOp } from '../lib/rules';
import type { PropertyDefinition } from '../lib/normalize';

/**
 * Compiles group rules into one SQL condition over a profile row aliased `p`. Each operator is
 * an entry of `operators`: adding one means adding an entry and listing its property types.
 */

type SqlCast = 'numeric' | 'boolean' | 'timestamptz' | 'text';

interface Operator {
  /** property types the operator applies to */
  types: readonly PropertyType[];
  /** what the rule carries besides the property: a `match`, a relative span, or nothing */
  takes: 'match' | 'pattern' | 'relative' | 'nothing';
  /**
   * `some`: an array property matches when any element matches.
   * `none`: the negation of `negates`; matches when no element (and no scalar) matches it,
   * including profiles without a value, as Grouparoo's `ne` did.
   * `presence`: looks at whether the key holds a value at all.
   */
  kind: 'some' | 'none' | 'presence';
  /** for `some`: the condition on one element, already cast */
  compare?: (value: SQL, rule: GroupRule, type: PropertyType) => SQL;
  negates?: RuleOp;
  present?: boolean;
}

const strings = ['string', 'email', 'url', 'phone'] as const;
const allTypes = [...strings, 'integer', 'float', 'boolean', 'date'] as const;
const ordered = ['integer', 'float', 'date'] as const;

/** Profile columns rules may name besides properties, as Grouparoo's top-level rules. */
export const builtinProperties: Record<string, PropertyDefinition> = {
  _id: { type: 'string', isArray: false },
  _createdAt: { type: 'date', isArray: false },
};

// created_at holds microseconds, but the API shows and rules carry milliseconds: compare at the
// precision a user can see, so `eq` with the createdAt of GET /profiles matches that profile.
const columns: Record<string, SQL> = {
  _id: sql`p.id`,
  _createdAt: sql`date_trunc('milliseconds', p.created_at)`,
};

function castFor(type: PropertyType): SqlCast {
  if (type === 'integer' || type === 'float') return 'numeric';
  if (type === 'boolean') return 'boolean';
  if (type === 'date') return 'timestamptz';
  return 'text';
}

function cast(expr: SQL, type: PropertyType): SQL {
  return sql`(${expr})::${sql.raw(castFor(type))}`;
}

function matchParam(rule: GroupRule, type: PropertyType): SQL {
  // The value goes as its own JS type: postgres.js serialises a boolean parameter with
  // `x === true`, so the string "true" would silently become false.
  return sql`${sql.param(rule.match as ScalarValue)}::${sql.raw(castFor(type))}`;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

const binary =
  (op: string) =>
  (v: SQL, rule: GroupRule, type: PropertyType): SQL =>
    sql`${v} ${sql.raw(op)} ${matchParam(rule, type)}`;

/** `like 'x%'` and friends: the match is literal text, so its wildcards are escaped. */
const contains =
  (before: string, after: string) =>
  (v: SQL, rule: GroupRule): SQL =>
    sql`${v} like ${sql.param(`${before}${escapeLike(String(rule.match))}${after}`)}`;

const units: Record<RelativeUnit, string> = {
  days: '1 day',
  weeks: '1 week',
  months: '1 month',
  quarters: '3 months',
  years: '1 year',
};

function span(rule: GroupRule): SQL {
  const unit = units[rule.relativeMatchUnit ?? 'days'];
  return sql`(${sql.param(rule.relativeMatchNumber ?? 0)}::numeric * interval ${sql.raw(`'${unit}'`)})`;
}

export const operators: Record<RuleOp, Operator> = {
  exists: { types: allTypes, takes: 'nothing', kind: 'presence', present: true },
  notExists: { types: allTypes, takes: 'nothing', kind: 'presence', present: false },
  eq: { types: allTypes, takes: 'match', kind: 'some', compare: binary('=') },
  ne: { types: allTypes, takes: 'match', kind: 'none', negates: 'eq' },
  gt: { types: ordered, takes: 'match', kind: 'some', compare: binary('>') },
  lt: { types: ordered, takes: 'match', kind: 'some', compare: binary('<') },
  gte: { types: ordered, takes: 'match', kind: 'some', compare: binary('>=') },
  lte: { types: ordered, takes: 'match', kind: 'some', compare: binary('<=') },
  like: {
    types: strings,
    takes: 'pattern',
    kind: 'some',
    compare: (v, r) => sql`${v} like ${sql.param(String(r.match))}`,
  },
  notLike: { types: strings, takes: 'pattern', kind: 'none', negates: 'like' },
  iLike: {
    types: strings,
    takes: 'pattern',
    kind: 'some',
    compare: (v, r) => sql`${v} ilike ${sql.param(String(r.match))}`,
  },
  notILike: { types: strings, takes: 'pattern', kind: 'none', negates: 'iLike' },
  startsWith: { types: strings, takes: 'pattern', kind: 'some', compare: contains('', '%') },
  endsWith: { types: strings, takes: 'pattern', kind: 'some', compare: contains('%', '') },
  substring: { types: strings, takes: 'pattern', kind: 'some', compare: contains('%', '%') },
  // "In the past N units": after now − N, and not in the future.
  relative_gt: {
    types: ['date'],
    takes: 'relative',
    kind: 'some',
    compare: (v, r) => sql`(${v} > now() - ${span(r)} and ${v} <= now())`,
  },
  // "In the next N units": before now + N, and not in the past.
  relative_lt: {
    types: ['date'],
    takes: 'relative',
    kind: 'some',
    compare: (v, r) => sql`(${v} < now() + ${span(r)} and ${v} >= now())`,
  },
};

/** Whether `op` fits a property of `type`. */
export function checkOperator(op: RuleOp, type: PropertyType): 'ok' | 'wrongType' {
  return operators[op].types.includes(type) ? 'ok' : 'wrongType';
}

/** What a rule with `op` must carry besides its property. */
export function operatorTakes(op: RuleOp): Operator['takes'] {
  return operators[op].takes;
}

export function isRelative(rule: GroupRule): boolean {
  return operators[rule.op].takes === 'relative';
}

/** The element condition, over every element of an array property or the scalar itself. */
function anyElement(rule: GroupRule, property: PropertyDefinition, operator: Operator): SQL {
  const compare = (v: SQL) => operator.compare!(cast(v, property.type), rule, property.type);
  const column = own(columns, rule.property);
  if (column) return sql`coalesce(${compare(column)}, false)`;
  if (!property.isArray) {
    return sql`coalesce(${compare(sql`p.properties ->> ${sql.param(rule.property)}`)}, false)`;
  }
  return sql`exists (select 1 from jsonb_array_elements_text(
    case when jsonb_typeof(p.properties -> ${sql.param(rule.property)}) = 'array'
      then p.properties -> ${sql.param(rule.property)} else '[]'::jsonb end) as e(v)
    where ${compare(sql`e.v`)})`;
}

function compileRule(rule: GroupRule, property: PropertyDefinition): SQL {
  const operator = operators[rule.op];
  if (operator.kind === 'presence') {
    const present = own(columns, rule.property)
      ? sql`true`
      : sql`(p.properties -> ${sql.param(rule.property)}) is not null`;
    return operator.present ? present : sql`not ${present}`;
  }
  if (operator.kind === 'some') return anyElement(rule, property, operator);
  return sql`not ${anyElement(rule, property, operators[operator.negates!])}`;
}

/**
 * The membership condition of a rule group. Rules are expected to be validated already
 * (see api/group-rules.ts). No rules means no members.
 */
export function compileRules(
  rules: GroupRule[],
  matchType: MatchType,
  definitions: Record<string, PropertyDefinition>,
): SQL {
  if (rules.length === 0) return sql`false`;
  const parts = rules.map((rule) => {
    const property = own(builtinProperties, rule.property) ?? own(definitions, rule.property);
    if (!property) throw new Error(`group rule names unknown property "${rule.property}"`);
    return sql`(${compileRule(rule, property)})`;
  });
  return sql.join(parts, sql.raw(matchType === 'all' ? ' and ' : ' or '));
}
