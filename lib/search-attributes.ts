import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes that let operators filter Outflow's workflows in the Temporal UI.
 * Ids and types only: search attributes are stored unencrypted.
 */
export const destinationIdSearchAttribute = defineSearchAttributeKey(
  'OutflowDestinationId',
  SearchAttributeType.KEYWORD,
);

export const destinationTypeSearchAttribute = defineSearchAttributeKey(
  'OutflowDestinationType',
  SearchAttributeType.KEYWORD,
);

/** What started a run, e.g. a destination's long-lived sync or a one-off re-export. */
export const runKindSearchAttribute = defineSearchAttributeKey(
  'OutflowRunKind',
  SearchAttributeType.KEYWORD,
);

/** Every custom search attribute Outflow registers on the namespace at start-up. */
export const outflowSearchAttributes = [
  destinationIdSearchAttribute,
  destinationTypeSearchAttribute,
  runKindSearchAttribute,
] as const;
