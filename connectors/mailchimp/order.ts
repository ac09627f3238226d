import type { ExportChange } from '../types';
import { asEmail } from './export';
import { emailField } from './fields';

/** The members a change touches: its old and new email, folded as Mailchimp hashes them. */
function membersOf(change: ExportChange): string[] {
  const emails = [change.oldProperties[emailField], change.newProperties[emailField]];
  return emails.flatMap((value) => asEmail(value)?.toLowerCase() ?? []);
}

/**
 * Splits a batch into chains of changes that share a member (by old or new email). A chain
 * runs one change after another, deletes first, so a delete and a create of one email in one
 * batch always end with the created member; different chains run side by side.
 */
export function memberChains(changes: ExportChange[]): ExportChange[][] {
  const ordered = [...changes.filter((c) => c.toDelete), ...changes.filter((c) => !c.toDelete)];
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
