import { own } from '../lib/own';
import { z } from '@hono/zod-openapi';
import { builtinProperties, checkOperator, operatorTakes } from '../db/rules-sql';
import { normalizeScalar, quote, type PropertyDefinition } from '../lib/normalize';
import { relativeUnits, ruleOps, type GroupRule } from '../lib/rules';
import { textIssue } from '../lib/text';
import type { Issue } from './errors';

/** Grouparoo allowed 10; each rule is one more condition per profile in the recompute query. */
export const maxRules = 25;

export const ruleSchema = z.strictObject({
  property: z.string(),
  op: z.enum(ruleOps),
  match: z.union([z.string(), z.number(), z.boolean()]).optional(),
  relativeMatchNumber: z.number().positive().optional(),
  relativeMatchUnit: z.enum(relativeUnits).optional(),
});

export const rulesSchema = z
  .array(ruleSchema)
  .max(maxRules, { error: `a group may have at most ${maxRules} rules` });

/**
 * The longest relative span a rule may hold, so `now() ± span` stays inside the years Postgres
 * dates can hold (7,000 years was a 500). Far beyond any marketing window.
 */
const maxSpanYears = 1000;
const unitYears: Record<(typeof relativeUnits)[number], number> = {
  days: 1 / 365.25,
  weeks: 7 / 365.25,
  months: 1 / 12,
  quarters: 1 / 4,
  years: 1,
};

type Checked = { rule: GroupRule; issue?: undefined } | { rule?: undefined; issue: Issue };

/** One rule, its `match` normalised to the stored form of its property's type. */
function checkRule(rule: GroupRule, at: string, property: PropertyDefinition | undefined): Checked {
  const { property: key, op } = rule;
  if (!property)
    return { issue: { path: `${at}.property`, message: `unknown property ${quote(key)}` } };
  if (checkOperator(op, property.type) !== 'ok') {
    const message = `operator ${quote(op)} does not apply to ${property.type} property ${quote(key)}`;
    return { issue: { path: `${at}.op`, message } };
  }
  const takes = operatorTakes(op);
  if (takes === 'nothing') return { rule: { property: key, op } };
  if (takes === 'relative') {
    const { relativeMatchNumber: n, relativeMatchUnit: unit } = rule;
    if (n === undefined)
      return { issue: { path: `${at}.relativeMatchNumber`, message: `operator "${op}" needs it` } };
    if (unit === undefined)
      return { issue: { path: `${at}.relativeMatchUnit`, message: `operator "${op}" needs it` } };
    if (n * unitYears[unit] > maxSpanYears) {
      const message = `at most ${maxSpanYears} years (${Math.floor(maxSpanYears / unitYears[unit])} ${unit}), got ${n} ${unit}`;
      return { issue: { path: `${at}.relativeMatchNumber`, message } };
    }
    return { rule: { property: key, op, relativeMatchNumber: n, relativeMatchUnit: unit } };
  }
  if (rule.match === undefined || rule.match === '') {
    return { issue: { path: `${at}.match`, message: `operator "${op}" needs a match value` } };
  }
  // Patterns are text whatever the type: "%@demo.com" is no email but a fine pattern. Emails
  // are stored lower-cased, so their patterns are too, or "%@Demo.com" could never match.
  if (takes === 'pattern') {
    const text = String(rule.match);
    const issue = textIssue(text);
    if (issue) return { issue: { path: `${at}.match`, message: issue } };
    const pattern = property.type === 'email' ? text.toLowerCase() : text;
    return { rule: { property: key, op, match: pattern } };
  }
  const match = normalizeScalar(property.type, rule.match);
  if (!match.ok) return { issue: { path: `${at}.match`, message: match.message } };
  return { rule: { property: key, op, match: match.value } };
}

/**
 * Checks rules against the properties they name (and the profile's own `_id` and
 * `_createdAt`) and normalises each rule to its stored form.
 */
export function validateRules(
  rules: GroupRule[],
  definitions: Record<string, PropertyDefinition>,
): { rules: GroupRule[]; issues: Issue[] } {
  const issues: Issue[] = [];
  const out = rules.map((rule, i) => {
    const property = own(builtinProperties, rule.property) ?? own(definitions, rule.property);
    const checked = checkRule(rule, `rules[${i}]`, property);
    if (checked.issue) issues.push(checked.issue);
    return checked.rule ?? rule;
  });
  return { rules: out, issues };
}
