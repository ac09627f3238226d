import { z } from 'zod';

// Mailchimp keys end in the data centre that serves the account: `<32 hex>-us6`.
const apiKeyPattern = /^[0-9a-zA-Z]+-([a-z]+[0-9]+)$/;

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

export const mailchimpAppOptions = z.object({
  apiKey: z.string().regex(apiKeyPattern, {
    error: 'apiKey must be a Mailchimp API key ending in its data centre, e.g. "…-us6"',
  }),
  /** the API root, `https://<dc>.api.mailchimp.com/3.0` unless set (tests, proxies) */
  baseUrl: z
    .string()
    .refine(isHttpUrl, {
      error: (issue) => `baseUrl must be an http:// or https:// URL, got "${String(issue.input)}"`,
    })
    .optional(),
  /** how long one request may take, in milliseconds */
  timeoutMs: z.number().int().min(100).max(120_000).default(15_000),
});
export type MailchimpAppOptions = z.infer<typeof mailchimpAppOptions>;

export const mailchimpDestinationOptions = z.object({
  /** the audience (list) id, as shown in Audience → Settings */
  listId: z.string().regex(/^[0-9a-zA-Z]+$/, { error: 'listId must be a Mailchimp audience id' }),
});
export type MailchimpDestinationOptions = z.infer<typeof mailchimpDestinationOptions>;

export function apiRoot(options: MailchimpAppOptions): string {
  if (options.baseUrl) return options.baseUrl.replace(/\/+$/, '');
  const dataCentre = apiKeyPattern.exec(options.apiKey)![1];
  return `https://${dataCentre}.api.mailchimp.com/3.0`;
}
