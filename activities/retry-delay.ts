/** Counted attempts after which a transiently failing export is given up as `failed`. */
export const maxExportAttempts = 10;

/** Longest wait between two attempts of one export. */
export const maxBackoffMs = 5 * 60_000;

/**
 * How long an export waits before its next attempt: the remote's Retry-After or our exponential
 * backoff (base, 2·base, 4·base … capped at 5 min), whichever is longer. Rate-limited waits do
 * not count an attempt, so their backoff stays at the level the export had reached.
 */
export function retryDelayMs(attempts: number, retryAfterMs = 0, baseMs = 1000): number {
  const backoff = Math.min(baseMs * 2 ** (Math.max(attempts, 1) - 1), maxBackoffMs);
  return Math.max(retryAfterMs, backoff);
}
