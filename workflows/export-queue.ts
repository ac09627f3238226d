/**
 * The destination workflow's bookkeeping of profile ids: changed and waiting, exporting, and
 * waiting for a retry time. Pure and deterministic (no timers, no I/O).
 *
 * Workflow conditions are evaluated many times per activation, and again for every event on
 * replay, so everything they read is kept up to date incrementally: counts are O(1) and no
 * method copies the whole waiting set.
 */
export class ExportQueue {
  /** changed since their last export started; may also be exporting or waiting for a retry */
  private readonly pending = new Set<string>();
  /** pending, not exporting and not waiting for a retry: what the next batch takes, oldest first */
  private readonly ready = new Set<string>();
  private readonly inFlight = new Set<string>();
  /** profile id → epoch ms before which it must not be exported again */
  private readonly retryAt = new Map<string, number>();
  /** the smallest value in `retryAt`, so the loop can skip scanning it until then */
  private earliestRetry = Infinity;

  constructor(carried: { pendingProfileIds?: string[]; retryAt?: Record<string, number> } = {}) {
    for (const [id, at] of Object.entries(carried.retryAt ?? {})) this.waitForRetry(id, at);
    this.add(carried.pendingProfileIds ?? []);
  }

  get readyCount(): number {
    return this.ready.size;
  }
  get pendingCount(): number {
    return this.pending.size;
  }
  get inFlightCount(): number {
    return this.inFlight.size;
  }
  get retryingCount(): number {
    return this.retryAt.size;
  }
  /** epoch ms of the next retry time, or Infinity */
  get nextRetryAt(): number {
    return this.earliestRetry;
  }

  /** Profiles changed: each is exported once more, after any export in flight or retry wait. */
  add(profileIds: Iterable<string>): void {
    for (const id of profileIds) {
      this.pending.add(id);
      this.sync(id);
    }
  }

  /** Moves up to `max` ready profiles, oldest first, into flight and returns them. */
  take(max: number): string[] {
    const taken: string[] = [];
    for (const id of this.ready) {
      if (taken.length >= max) break;
      taken.push(id);
    }
    for (const id of taken) {
      this.pending.delete(id);
      this.inFlight.add(id);
      this.ready.delete(id);
    }
    return taken;
  }

  /** A batch ended: its profiles leave flight; those to retry wait until their time. */
  finish(profileIds: string[], retries: { profileId: string; notBefore: number }[]): void {
    for (const r of retries) this.waitForRetry(r.profileId, r.notBefore);
    for (const id of profileIds) {
      this.inFlight.delete(id);
      this.sync(id);
    }
  }

  /** Profiles whose retry time has come become pending again (re-planned with newest data). */
  releaseDueRetries(now: number): void {
    if (now < this.earliestRetry) return;
    this.earliestRetry = Infinity;
    for (const [id, at] of this.retryAt) {
      if (at <= now) {
        this.retryAt.delete(id);
        this.pending.add(id);
        this.sync(id);
      } else {
        this.earliestRetry = Math.min(this.earliestRetry, at);
      }
    }
  }

  inFlightIds(): string[] {
    return [...this.inFlight];
  }

  /**
   * What continue-as-new carries. At most `maxPending` pending ids travel (they cost history
   * in both runs); the rest still have their outbox rows, which the next run reads.
   */
  carryOver(maxPending: number): {
    pendingProfileIds: string[];
    retryAt: Record<string, number>;
    dropped: number;
  } {
    const pendingProfileIds: string[] = [];
    for (const id of this.pending) {
      if (pendingProfileIds.length >= maxPending) break;
      pendingProfileIds.push(id);
    }
    const dropped = this.pending.size - pendingProfileIds.length;
    return { pendingProfileIds, retryAt: Object.fromEntries(this.retryAt), dropped };
  }

  private waitForRetry(id: string, at: number): void {
    this.retryAt.set(id, at);
    this.earliestRetry = Math.min(this.earliestRetry, at);
    this.sync(id);
  }

  /** Keeps `ready` equal to pending − in flight − waiting for a retry, for one id. */
  private sync(id: string): void {
    if (this.pending.has(id) && !this.inFlight.has(id) && !this.retryAt.has(id)) {
      this.ready.add(id);
    } else {
      this.ready.delete(id);
    }
  }
}
