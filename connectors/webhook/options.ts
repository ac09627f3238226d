import { z } from 'zod';
import { checkWebhookUrl } from './url';

// RFC 9110 token characters; anything else could split or smuggle a header.
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const webhookAppOptions = z.object({
  url: z.string().superRefine(checkWebhookUrl),
  /** the HMAC key; the receiver holds the same value */
  secret: z.string().min(16, { error: 'secret must be at least 16 characters' }),
  /** how long one delivery may take, in milliseconds */
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  /** extra headers, e.g. an Authorization token; treated as secrets */
  headers: z
    .record(
      z.string().regex(headerName, { error: 'header names must be HTTP tokens' }),
      z.string().refine((v) => !/[\r\n]/.test(v), { error: 'header values must be one line' }),
    )
    .optional(),
});
export type WebhookAppOptions = z.infer<typeof webhookAppOptions>;

export const webhookDestinationOptions = z.object({
  /** the remote field that identifies a profile for the receiver */
  identifierField: z.string().min(1).default('id'),
});
export type WebhookDestinationOptions = z.infer<typeof webhookDestinationOptions>;
