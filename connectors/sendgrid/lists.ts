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
    if (typeof id === 'string') {
      lists.set(name, id);
      continue;
    }
    // Another batch may have created it since we read: SendGrid refuses a second list by name.
    const again = id.kind === 'error' && id.status === 400 ? await api.lists() : id;
    if (!(again instanceof Map)) return again;
    if (!again.has(name)) return id;
    lists.set(name, again.get(name)!);
  }
  return lists;
}
