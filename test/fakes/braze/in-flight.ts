import type { ServerResponse } from 'node:http';

/** Every external id a request body names: users tracked, looked up, deleted or renamed. */
function idsNamed(raw: string): Set<string> {
  const ids = new Set<string>();
  let body: Record<string, unknown>;
  try {
    body = (JSON.parse(raw || '{}') ?? {}) as Record<string, unknown>;
  } catch {
    return ids;
  }
  const list = (v: unknown) => (Array.isArray(v) ? (v as Record<string, unknown>[]) : []);
  const add = (v: unknown) => typeof v === 'string' && ids.add(v);
  list(body.external_ids).forEach(add);
  for (const a of list(body.attributes)) add(a.external_id);
  for (const r of list(body.external_id_renames)) {
    add(r.current_external_id);
    add(r.new_external_id);
  }
  return ids;
}

/**
 * Counts, for each user, the requests naming it that have not been answered yet, and keeps
 * the highest count: tests assert the connector never has two requests for one user at once.
 */
export function inFlightPerUser() {
  const now = new Map<string, number>();
  const highest = new Map<string, number>();
  return {
    hold(res: ServerResponse, raw: string) {
      const ids = idsNamed(raw);
      for (const id of ids) {
        const count = (now.get(id) ?? 0) + 1;
        now.set(id, count);
        highest.set(id, Math.max(highest.get(id) ?? 0, count));
      }
      res.on('close', () => ids.forEach((id) => now.set(id, now.get(id)! - 1)));
    },
    peak: (externalId: string) => highest.get(externalId) ?? 0,
  };
}
