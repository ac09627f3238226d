import { z } from 'zod';

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

export const sendgridAppOptions = z.object({
  /** an API key with Marketing Campaigns contacts and lists access */
  apiKey: z.string().min(1, { error: 'apiKey must be a SendGrid API key' }),
  /** the API's base URL; only tests point it elsewhere */
  baseUrl: z
    .string()
    .transform((v) => v.trim().replace(/\/+$/, ''))
    .refine(isHttpUrl, {
      error: (issue) => `baseUrl must be an http(s) URL, got "${String(issue.input)}"`,
    })
    .default('https://api.sendgrid.com'),
  /** how long one request may take, in milliseconds */
  timeoutMs: z.number().int().min(100).max(120_000).default(15_000),
  /** how long to wait before asking about an upsert job; SendGrid jobs take seconds to minutes */
  jobPollMs: z.number().int().min(50).max(600_000).default(5_000),
  /**
   * How long a contact we sent may stay missing from SendGrid's search (which lags behind its
   * jobs) before we take it as deleted in SendGrid, in milliseconds.
   */
  searchWaitMs: z.number().int().min(0).max(3_600_000).default(300_000),
});
export type SendgridAppOptions = z.infer<typeof sendgridAppOptions>;

/** SendGrid contacts live in one account-wide store: nothing to choose per destination. */
export const sendgridDestinationOptions = z.object({});
export type SendgridDestinationOptions = z.infer<typeof sendgridDestinationOptions>;
