import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the receiver answers the next delivery; `hang` never answers (for timeouts). */
export type ScriptedReply =
  { status: number; headers?: Record<string, string>; body?: string } | { hang: true };

/** The parsed document: a batch of profiles, or an app test (`type: 'test'`). */
export interface DeliveredDocument {
  type?: string;
  destinationId?: string;
  sentAt?: string;
  profiles: {
    profileId: string;
    operation: string;
    oldProperties: Record<string, unknown>;
    newProperties: Record<string, unknown>;
    oldGroups: string[];
    newGroups: string[];
  }[];
}

export interface Delivery {
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: DeliveredDocument;
}

export interface WebhookReceiver {
  url: string;
  /** deliveries whose signature was valid, in arrival order */
  deliveries: Delivery[];
  /** how many requests were refused with 401 for a bad or missing signature */
  rejected: () => number;
  /** queues answers for the next deliveries; afterwards every delivery gets 200 */
  reply: (...replies: ScriptedReply[]) => void;
  close: () => Promise<void>;
}

/**
 * A real HTTP endpoint on 127.0.0.1 that checks `X-Outflow-Signature` the way a customer's
 * receiver would: an HMAC-SHA256 of the raw body under the shared secret.
 */
export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const deliveries: Delivery[] = [];
  const script: ScriptedReply[] = [];
  let rejected = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const expected = Buffer.from(
        `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`,
      );
      const given = Buffer.from(String(req.headers['x-outflow-signature'] ?? ''));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        rejected += 1;
        res.writeHead(401, { 'Content-Type': 'text/plain' }).end('invalid signature');
        return;
      }
      const rawBody = raw.toString('utf8');
      deliveries.push({
        headers: req.headers,
        rawBody,
        body: JSON.parse(rawBody) as DeliveredDocument,
      });
      const next = script.shift() ?? { status: 200 };
      if ('hang' in next) return;
      res.writeHead(next.status, next.headers).end(next.body ?? '');
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/outflow`,
    deliveries,
    rejected: () => rejected,
    reply: (...replies) => script.push(...replies),
    close: () =>
      new Promise<void>((resolve) => {
        // Hanging requests would keep `close` waiting forever.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
