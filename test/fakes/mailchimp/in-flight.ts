import type { ServerResponse } from 'node:http';

const memberPath = /\/members\/([0-9a-f]{32})(?:\/|$|\?)/;

/**
 * Counts, for each member (subscriber hash in the path), the requests not answered yet, and
 * keeps the highest count: tests assert the connector never has two calls for one member at
 * once. Counted from arrival, as Mailchimp counts connections.
 */
export function inFlightPerMember() {
  const now = new Map<string, number>();
  const highest = new Map<string, number>();
  return {
    hold(res: ServerResponse, url: string) {
      const hash = memberPath.exec(url)?.[1];
      if (!hash) return;
      const count = (now.get(hash) ?? 0) + 1;
      now.set(hash, count);
      highest.set(hash, Math.max(highest.get(hash) ?? 0, count));
      res.on('close', () => now.set(hash, now.get(hash)! - 1));
    },
    peak: (hash: string) => highest.get(hash) ?? 0,
  };
}
