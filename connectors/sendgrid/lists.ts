import type { Failed, SendgridApi } from './api';

/**
 * List ids by name for the groups we manage, creating the lists that do not exist yet (as a
 * marketer would name them: the group's remote name). Read per batch, so a list renamed or
 * deleted in SendGrid is noticed at once.
 */
export async function resolveLists(
  api: SendgridApi,
  names: Set<string>,
  /** also read (without creating) when only removals need list ids */
  read = false,
): Promise<Map<string, string> | Failed> {
  if (names.size === 0 && !read) return new Map();
  const lists = await api.lists();
  if (!(lists instanceof Map)) return lists;
  for (const name of names) {
    if (lists.has(name)) continue;
    const id = await api.createList(name);
    if (typeof id !== 'string') return id;
    lists.set(name, id);
  }
  return lists;
}
