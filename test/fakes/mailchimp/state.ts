import { randomBytes } from 'node:crypto';
import * as p from './problems';
import type { Reply } from './problems';

export type MemberStatus =
  'subscribed' | 'unsubscribed' | 'cleaned' | 'pending' | 'transactional' | 'archived';

export interface MergeField {
  tag: string;
  name: string;
  type: string;
  merge_id: number;
}

export interface Member {
  id: string;
  email_address: string;
  unique_email_id: string;
  status: MemberStatus;
  merge_fields: Record<string, string | number>;
  /** tag names as first added; matched case-insensitively as Mailchimp does */
  tags: { id: number; name: string; date_added: string }[];
  last_changed: string;
}

export interface List {
  id: string;
  name: string;
  mergeFields: MergeField[];
  members: Map<string, Member>;
  /** emails Mailchimp refuses to subscribe: compliance review, permanently deleted, or ones
   * its heuristics take for fake (the recordings show `foo@example.com` refused so) */
  flagged: Map<string, 'compliance' | 'forgotten' | 'fake'>;
}

const defaultMergeFields: [string, string, string][] = [
  ['FNAME', 'First Name', 'text'],
  ['LNAME', 'Last Name', 'text'],
  ['ADDRESS', 'Address', 'address'],
  ['PHONE', 'Phone Number', 'phone'],
  ['BIRTHDAY', 'Birthday', 'birthday'],
];

export function newList(id: string, extra: { tag: string; type: string }[] = []): List {
  const fields = [
    ...defaultMergeFields,
    ...extra.map((f): [string, string, string] => [f.tag, f.tag, f.type]),
  ];
  return {
    id,
    name: `List ${id}`,
    mergeFields: fields.map(([tag, name, type], i) => ({ tag, name, type, merge_id: i + 1 })),
    members: new Map(),
    flagged: new Map(),
  };
}

// Deliberately loose, like Mailchimp's: one @, a dot in the domain, no spaces.
const emailPattern = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function checkMergeFields(list: List, given: Record<string, unknown>) {
  const errors: { field: string; message: string }[] = [];
  for (const field of list.mergeFields) {
    const value = given[field.tag];
    if (
      field.type === 'number' &&
      value !== undefined &&
      value !== '' &&
      !Number.isFinite(Number(value))
    ) {
      errors.push({ field: field.tag, message: 'Please enter a number' });
    }
  }
  return errors.length > 0 ? p.invalidMergeFields(errors) : null;
}

function refusal(list: List, email: string): Reply | null {
  const flag = list.flagged.get(email.toLowerCase());
  if (flag === 'compliance') return p.complianceState(email);
  if (flag === 'forgotten') return p.forgottenEmail(email);
  if (flag === 'fake') return p.looksFake(email);
  return null;
}

export interface MemberBody {
  email_address?: string;
  status?: MemberStatus;
  status_if_new?: MemberStatus;
  merge_fields?: Record<string, string | number>;
}

/**
 * PUT (upsert) and PATCH (update) of `/members/{hash}`. A new `email_address` renames the
 * member; a name taken by another live member is "Member Exists". An archived member is
 * re-added by PUT with `status_if_new`, as Mailchimp re-adds archived contacts.
 */
export function writeMember(list: List, hash: string, body: MemberBody, upsert: boolean): Reply {
  const current = list.members.get(hash);
  if (!current && !upsert) return p.notFound();
  const email = body.email_address ?? current?.email_address;
  if (!email) return p.invalidResource('email_address', 'This value should not be blank.');
  if (!emailPattern.test(email)) return p.invalidEmail();
  const newHash = p.subscriberHash(email);
  const other = list.members.get(newHash);
  if (newHash !== hash && other) return p.memberExists(email);
  const mergeProblem = checkMergeFields(list, body.merge_fields ?? {});
  if (mergeProblem) return mergeProblem;

  const reAdding = upsert && (!current || current.status === 'archived');
  const status = reAdding ? (body.status ?? body.status_if_new) : (body.status ?? current!.status);
  if (!status) return p.invalidResource('status', 'This value should not be blank.');
  if (status === 'subscribed' && (reAdding || current?.status !== 'subscribed')) {
    const refused = refusal(list, email);
    if (refused) return refused;
  }

  const member: Member = current ?? {
    id: newHash,
    email_address: email,
    unique_email_id: randomBytes(5).toString('hex'),
    status,
    merge_fields: Object.fromEntries(list.mergeFields.map((f) => [f.tag, ''])),
    tags: [],
    last_changed: '',
  };
  list.members.delete(hash);
  member.id = newHash;
  member.email_address = email;
  member.status = status;
  member.last_changed = new Date().toISOString();
  for (const [key, value] of Object.entries(body.merge_fields ?? {})) {
    // Mailchimp ignores merge tags the list does not define.
    if (list.mergeFields.some((f) => f.tag === key)) member.merge_fields[key] = value;
  }
  list.members.set(newHash, member);
  return { status: 200, body: memberView(list, member) };
}

let nextTagId = 1;

/** POST `/members/{hash}/tags`: activates or deactivates each named tag; others stay. */
export function writeTags(
  list: List,
  hash: string,
  tags: { name: string; status: 'active' | 'inactive' }[],
): Reply {
  const member = list.members.get(hash);
  if (!member) return p.notFound();
  for (const tag of tags) {
    const at = member.tags.findIndex((t) => t.name.toLowerCase() === tag.name.toLowerCase());
    if (tag.status === 'inactive' && at >= 0) member.tags.splice(at, 1);
    if (tag.status === 'active' && at < 0) {
      member.tags.push({ id: nextTagId++, name: tag.name, date_added: new Date().toISOString() });
    }
  }
  return { status: 204 };
}

export function memberView(list: List, m: Member) {
  return {
    id: m.id,
    email_address: m.email_address,
    unique_email_id: m.unique_email_id,
    full_name: [m.merge_fields.FNAME, m.merge_fields.LNAME].filter(Boolean).join(' '),
    email_type: 'html',
    status: m.status,
    merge_fields: { ...m.merge_fields },
    last_changed: m.last_changed,
    source: 'API - Generic',
    tags_count: m.tags.length,
    tags: m.tags.map(({ id, name }) => ({ id, name })),
    list_id: list.id,
  };
}
