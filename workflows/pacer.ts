/**
 * A destination's rate limit: spaces export batches so that, on average, at most `perSecond`
 * profiles a second are exported. Pure and deterministic; the workflow waits on its time.
 *
 * A batch is booked when it starts: its profiles "use up" `count / perSecond` seconds, and the
 * next batch may start once they have passed. Batches are also capped at one second's worth,
 * so a low limit sends small, even batches rather than a large burst and a long silence.
 */
export class Pacer {
  private perSecond: number | null = null;
  private last: { at: number; count: number } | null = null;

  /** null or absent: no limit */
  setRate(perSecond: number | null | undefined): void {
    this.perSecond = perSecond && perSecond > 0 ? perSecond : null;
  }

  get rate(): number | null {
    return this.perSecond;
  }

  /** Epoch ms before which no batch may start; a changed rate applies to the last batch too. */
  get notBefore(): number {
    if (this.perSecond === null || this.last === null) return 0;
    return this.last.at + (this.last.count * 1000) / this.perSecond;
  }

  /** The most profiles the next batch may hold. */
  batchCap(batchSize: number): number {
    if (this.perSecond === null) return batchSize;
    return Math.max(1, Math.min(batchSize, Math.floor(this.perSecond)));
  }

  /** Books a batch of `count` profiles started at `now` (epoch ms). */
  started(count: number, now: number): void {
    this.last = { at: now, count };
  }
}
