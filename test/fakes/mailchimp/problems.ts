import { createHash, randomUUID } from 'node:crypto';

/**
 * Mailchimp's error documents (`application/problem+json`), worded as the recordings in
 * `shared/data/api-recordings/mailchimp-*.json` and Mailchimp's error glossary show them.
 */

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const docs = 'https://mailchimp.com/developer/marketing/docs/errors/';

export function problem(
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Reply {
  return { status, body: { type: docs, title, status, detail, instance: randomUUID(), ...extra } };
}

export const notFound = () =>
  problem(404, 'Resource Not Found', 'The requested resource could not be found.');

export const apiKeyInvalid = () =>
  problem(
    401,
    'API Key Invalid',
    "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
  );

export const tooManyConnections = () =>
  problem(429, 'Too Many Requests', 'You have exceeded the limit of 10 simultaneous connections.');

// The recorded "Member Exists" answer carries no `type`; keep that quirk.
export function memberExists(email: string): Reply {
  const detail = `${email} is already a list member. Use PUT to insert or update list members.`;
  return {
    status: 400,
    body: { title: 'Member Exists', status: 400, detail, instance: randomUUID() },
  };
}

export const invalidEmail = () =>
  problem(400, 'Invalid Resource', 'Please provide a valid email address.');

// Worded as the recorded refusal of `foo@example.com`.
export const looksFake = (email: string) =>
  problem(
    400,
    'Invalid Resource',
    `${email} looks fake or invalid, please enter a real email address.`,
  );

export const complianceState = (email: string) =>
  problem(
    400,
    'Member In Compliance State',
    `${email} is in a compliance state due to unsubscribe, bounce, or compliance review and cannot be subscribed.`,
  );

export const forgottenEmail = (email: string) =>
  problem(
    400,
    'Forgotten Email Not Subscribed',
    `${email} was permanently deleted and cannot be re-imported. The contact must re-subscribe to get back on the list.`,
  );

export const cannotArchive = () =>
  problem(
    405,
    'Method Not Allowed',
    'This list member cannot be removed. Can not archive a contact that is bounced, pending or archived',
  );

export const invalidMergeFields = (errors: { field: string; message: string }[]) =>
  problem(400, 'Invalid Resource', 'Your merge fields were invalid.', { errors });

export const invalidResource = (field: string, message: string) =>
  problem(
    400,
    'Invalid Resource',
    "The resource submitted could not be validated. For field-specific details, see the 'errors' array.",
    { errors: [{ field, message }] },
  );

/** Mailchimp's subscriber hash: the MD5 of the lower-cased email. */
export function subscriberHash(email: string): string {
  return createHash('md5').update(email.trim().toLowerCase()).digest('hex');
}
