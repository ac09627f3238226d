import { createHash } from 'node:crypto';

/** Mailchimp addresses a member by the MD5 of its lower-cased email. */
export function subscriberHash(email: string): string {
  return createHash('md5').update(email.trim().toLowerCase()).digest('hex');
}
