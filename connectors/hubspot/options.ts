import { z } from 'zod';

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

export const hubspotAppOptions = z.object({
  /** a private app's access token, sent as `Authorization: Bearer …` */
  accessToken: z.string().trim().min(1, { error: 'accessToken is required' }),
  /** the API root, `https://api.hubapi.com` unless set (tests, proxies) */
  baseUrl: z
    .string()
    .refine(isHttpUrl, {
      error: (issue) => `baseUrl must be an http:// or https:// URL, got "${String(issue.input)}"`,
    })
    .optional(),
  /** how long one request may take, in milliseconds */
  timeoutMs: z.number().int().min(100).max(120_000).default(15_000),
});
export type HubspotAppOptions = z.infer<typeof hubspotAppOptions>;

export const hubspotDestinationOptions = z.object({
  /**
   * Put before every group name to form the static list's name, so Outflow's lists are easy
   * to tell apart in HubSpot (e.g. "Outflow: "). Empty by default.
   */
  listPrefix: z.string().max(100).default(''),
});
export type HubspotDestinationOptions = z.infer<typeof hubspotDestinationOptions>;

export function apiRoot(options: HubspotAppOptions): string {
  return (options.baseUrl ?? 'https://api.hubapi.com').replace(/\/+$/, '');
}
