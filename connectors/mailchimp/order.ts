import type { ExportChange } from '../types';
import { asEmail } from './export';
import { emailField } from './fields';

/** The members a change touches: its old and new email, folded as Mailchimp hashes them. */
function membersOf(change: ExportChange): string[] {
  const emails = [change.oldProperties[emailField], change.newProperties[emailField]];
  return emails.flatMap((value) => asEmail(value)?.toLowerCase() ?? []);
}

const folded = (value: Parameters<typeof asEmail>[0]) => asEmail(value)?.toLowerCase();

/**
 * The order a chain's non-deletes run in: a change that moves a member away from an email
 * (a rename) goes before a change whose member takes that email, or the second would write
 * over the first's member, which the rename would then carry off. Otherwise input order; a
 * cycle (two profiles swapping emails) is broken in input order.
 */
function upsertOrder(changes: ExportChange[]): ExportChange[] {
  const leaving = (c: ExportChange) => {
    const from = folded(c.oldProperties[emailField]);
    return from !== undefined && from !== folded(c.newProperties[emailField]) ? from : undefined;
  };
  const pending = [...changes];
  const out: ExportChange[] = [];
  while (pending.length > 0) {
    const waits = (c: ExportChange) => {
      const to = folded(c.newProperties[emailField]);
      return pending.some((other) => other !== c && to !== undefined && leaving(other) === to);
    };
    const next = pending.findIndex((c) => !waits(c));
    out.push(...pending.splice(next === -1 ? 0 : next, 1));
  }
  return out;
}

/**
 * Splits a batch into chains of changes that share a member (by old or new email). A chain
 * runs one change after another, deletes first, so a delete and a create of one email in one
 * batch always end with the created member, then renames away from an email before changes
 * that take it; different chains run side by side.
 */
export function memberChains(changes: ExportChange[]): ExportChange[][] {
  const ordered = [
    ...changes.filter((c) => c.toDelete),
    ...upsertOrder(changes.filter((c) => !c.toDelete)),
  ];
  const parent = ordered.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)));
  const firstWith = new Map<string, number>();
  ordered.forEach((change, i) => {
    for (const member of membersOf(change)) {
      const seen = firstWith.get(member);
      if (seen === undefined) firstWith.set(member, i);
      else parent[root(i)] = root(seen);
    }
  });
  const chains = new Map<number, ExportChange[]>();
  ordered.forEach((change, i) => {
    const chain = chains.get(root(i));
    if (chain) chain.push(change);
    else chains.set(root(i), [change]);
  });
  return [...chains.values()];
}
