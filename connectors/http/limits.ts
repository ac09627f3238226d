import { createHash } from 'node:crypto';
import pLimit, { type LimitFunction } from 'p-limit';

/**
 * A concurrency limit per credential, shared by every call in this worker process that uses
 * the same key: several export activities (and destinations) may share one account, and the
 * tools count connections per key. Keyed by a digest, so the map never holds the secret.
 *
 * TODO: the limit is per worker process; several workers sharing one key are not coordinated.
 */
export function limitPerCredential(limit: number): (credential: string) => LimitFunction {
  const limits = new Map<string, LimitFunction>();
  return (credential) => {
    const id = createHash('sha256').update(credential).digest('hex');
    let limiter = limits.get(id);
    if (!limiter) limits.set(id, (limiter = pLimit(limit)));
    return limiter;
  };
}
