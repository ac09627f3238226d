import { randomBytes } from 'node:crypto';

/**
 * The users of one fake Braze workspace and what `/users/track` does to them. Replies are
 * worded like `shared/data/api-recordings/braze-export-records.json` and Braze's error docs.
 */

export interface User {
  external_id: string;
  braze_id: string;
  created_at: string;
  /** standard attributes (first_name, email, …) */
  standard: Record<string, unknown>;
  custom_attributes: Record<string, unknown>;
}

export interface ItemError {
  type: string;
  input_array: 'attributes';
  index: number;
}

/** Attribute names Braze keeps on the profile itself rather than as custom attributes. */
const standardNames = new Set([
  'email',
  'first_name',
  'last_name',
  'phone',
  'country',
  'language',
  'dob',
  'gender',
  'home_city',
  'time_zone',
  'email_subscribe',
  'push_subscribe',
  'email_open_tracking_disabled',
  'email_click_tracking_disabled',
  'image_url',
  'facebook',
  'twitter',
  'marked_email_as_spam_at',
  'date_of_first_session',
  'date_of_last_session',
]);

const emailPattern = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const maxStringLength = 255;
const subscriptionStates = ['opted_in', 'subscribed', 'unsubscribed'];

/**
 * Braze's documented syntax check (email validation guide): no whitespace, and a period in the
 * local part only between other characters. Stricter than Outflow's, as the real one is.
 */
function validEmail(email: string): boolean {
  if (!emailPattern.test(email)) return false;
  const local = email.slice(0, email.lastIndexOf('@'));
  return !local.startsWith('.') && !local.endsWith('.') && !local.includes('..');
}

export function newUser(externalId: string): User {
  return {
    external_id: externalId,
    braze_id: randomBytes(12).toString('hex'),
    created_at: new Date().toISOString(),
    standard: {},
    custom_attributes: {},
  };
}

/** Why Braze would refuse this attribute object, or null. */
function problemWith(object: Record<string, unknown>): string | null {
  if (typeof object.external_id !== 'string' || object.external_id === '') {
    return "'external_id' is required";
  }
  const email = object.email;
  if (email !== undefined && email !== null && (typeof email !== 'string' || !validEmail(email))) {
    return `Invalid email address '${String(email)}'`;
  }
  for (const key of ['email_subscribe', 'push_subscribe']) {
    const state = object[key];
    if (state !== undefined && state !== null && !subscriptionStates.includes(state as string)) {
      return `'${key}' must be one of ${subscriptionStates.join(', ')}`;
    }
  }
  for (const [key, value] of Object.entries(object)) {
    if (typeof value === 'string' && value.length > maxStringLength) {
      return `'${key}' is longer than ${maxStringLength} characters`;
    }
  }
  return null;
}

function isArrayUpdate(value: unknown): value is { add?: unknown[]; remove?: unknown[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).every((k) => k === 'add' || k === 'remove')
  );
}

function applyAttribute(user: User, key: string, value: unknown) {
  const bucket = standardNames.has(key) ? user.standard : user.custom_attributes;
  if (value === null) {
    delete bucket[key];
  } else if (isArrayUpdate(value)) {
    // Braze's array syntax changes only the named values; this fake keeps no duplicates.
    const current = Array.isArray(bucket[key]) ? [...(bucket[key] as unknown[])] : [];
    for (const v of value.add ?? []) if (!current.includes(v)) current.push(v);
    const removed = new Set(value.remove ?? []);
    bucket[key] = current.filter((v) => !removed.has(v));
  } else {
    bucket[key] = value;
  }
}

/** Applies the objects of one `/users/track` request; returns the count stored and errors. */
export function track(
  users: Map<string, User>,
  objects: Record<string, unknown>[],
  refusals: Map<string, string> = new Map(),
) {
  const errors: ItemError[] = [];
  let processed = 0;
  objects.forEach((object, index) => {
    const problem = problemWith(object) ?? refusals.get(object.external_id as string);
    if (problem) return errors.push({ type: problem, input_array: 'attributes', index });
    const id = object.external_id as string;
    let user = users.get(id);
    if (!user) {
      // Braze drops an object for an unknown user when asked to update existing ones only.
      if (object._update_existing_only === true) return;
      users.set(id, (user = newUser(id)));
    }
    for (const [key, value] of Object.entries(object)) {
      if (key === 'external_id' || key === '_update_existing_only') continue;
      applyAttribute(user, key, value);
    }
    processed += 1;
  });
  return { processed, errors };
}

/** A user as `/users/export/ids` shows it. */
export function exportView(user: User) {
  return {
    created_at: user.created_at,
    external_id: user.external_id,
    user_aliases: [],
    appboy_id: user.braze_id,
    braze_id: user.braze_id,
    ...user.standard,
    custom_attributes: { ...user.custom_attributes },
  };
}
