import { z } from 'zod';

/** Braze shows the REST endpoint without a scheme on some dashboards: accept both. */
function withScheme(value: string): string {
  const trimmed = value.trim().replace(/\/+$/, '');
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
}

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

export const brazeAppOptions = z.object({
  /** a REST API key with users.track, users.delete, users.export.ids, users.external_ids.rename */
  apiKey: z.string().min(1, { error: 'apiKey must be a Braze REST API key' }),
  /** the instance's REST endpoint, e.g. `https://rest.iad-01.braze.com` */
  restEndpoint: z
    .string()
    .transform(withScheme)
    .refine(isHttpUrl, {
      error: (issue) =>
        `restEndpoint must be a Braze REST endpoint URL, got "${String(issue.input)}"`,
    }),
  /** how long one request may take, in milliseconds */
  timeoutMs: z.number().int().min(100).max(120_000).default(15_000),
});
export type BrazeAppOptions = z.infer<typeof brazeAppOptions>;

// Braze custom attribute names: no leading `$`, at most 255 characters.
const attributeName = /^[^$].{0,254}$/;

export const brazeDestinationOptions = z.object({
  /** the custom attribute (an array of strings) that holds the groups we manage */
  groupsAttribute: z
    .string()
    .regex(attributeName, {
      error: (issue) =>
        `groupsAttribute must be a Braze custom attribute name, got "${String(issue.input)}"`,
    })
    .default('outflow_groups'),
});
export type BrazeDestinationOptions = z.infer<typeof brazeDestinationOptions>;
