/**
 * Group rule shapes. Evaluation happens in SQL (see db/rules-sql.ts); this module holds the
 * pure definitions and checks so the API and config loaders agree on what a rule is.
 */

export const matchTypes = ['all', 'any'] as const;
export type MatchType = (typeof matchTypes)[number];

export const ruleOps = [
  'exists',
  'notExists',
  'eq',
  'ne',
  'gt',
  'lt',
  'gte',
  'lte',
  'like',
  'notLike',
  'iLike',
  'notILike',
  'startsWith',
  'endsWith',
  'substring',
  'relative_gt',
  'relative_lt',
] as const;
export type RuleOp = (typeof ruleOps)[number];

export const relativeUnits = ['days', 'weeks', 'months', 'quarters', 'years'] as const;
export type RelativeUnit = (typeof relativeUnits)[number];

export interface GroupRule {
  /** a property key */
  property: string;
  op: RuleOp;
  /** the value compared against; absent for exists / notExists / relative ops */
  match?: string | number | boolean;
  relativeMatchNumber?: number;
  relativeMatchUnit?: RelativeUnit;
}
