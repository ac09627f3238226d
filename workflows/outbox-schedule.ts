/**
 * When the destination workflow reads its outbox. Pure: times are passed in.
 *
 * The outbox is the guarantee and signals only a shortcut, so the workflow reads it at start,
 * when told, page by page while it holds more, and on a timer in case a signal was lost. Each
 * timer read costs history (a timer, an activity, two workflow tasks), so while the outbox
 * stays empty and nothing signals, the interval doubles up to `maxMs`; any signal, update or
 * found work brings it back to `minMs`. A lost signal therefore waits at most `maxMs`.
 */
export class OutboxSchedule {
  /** a read is owed now: the run just started, or someone said the outbox changed */
  requested = true;
  /** epoch ms of the next timer read */
  nextCatchUp: number;
  private everyMs: number;
  private activeSinceRead = false;
  /** the last page brought new work and more rows wait beyond it */
  private pageBroughtWork = false;
  /** the last read left rows unread, new or already known */
  private beyondPage = false;
  private batchesSinceRead = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    now: number,
  ) {
    this.everyMs = minMs;
    this.nextCatchUp = now;
  }

  /** the outbox holds more than the workflow knows of */
  get moreWaiting(): boolean {
    return this.pageBroughtWork;
  }

  timerDue(now: number): boolean {
    return now >= this.nextCatchUp;
  }

  /** A signal or update arrived: catch up at the short interval again, starting now. */
  noteActivity(now: number): void {
    this.activeSinceRead = true;
    this.everyMs = this.minMs;
    this.nextCatchUp = Math.min(this.nextCatchUp, now + this.minMs);
  }

  /** A batch ended; its outbox rows are gone, so rows beyond the last page came into reach. */
  batchFinished(): void {
    this.batchesSinceRead++;
  }

  /**
   * Another page now: the last one brought work and the queue runs low, or the queue drained
   * since a read that left rows beyond its page (then only after a batch cleared some rows,
   * so a page of ids the workflow already holds is not read again and again).
   */
  wantsPage(state: { ready: number; batchSize: number; running: number }): boolean {
    if (this.pageBroughtWork) return state.ready < state.batchSize;
    return this.beyondPage && this.batchesSinceRead > 0 && state.ready === 0 && state.running === 0;
  }

  /** A read finished; `broughtWork`: it found profiles the workflow did not hold yet. */
  read(
    now: number,
    page: { more: boolean; broughtWork: boolean; runs: number; byTimer: boolean },
  ): void {
    this.pageBroughtWork = page.more && page.broughtWork;
    this.beyondPage = page.more;
    this.batchesSinceRead = 0;
    const idle = !page.broughtWork && page.runs === 0 && !this.activeSinceRead;
    if (!idle) this.everyMs = this.minMs;
    else if (page.byTimer) this.everyMs = Math.min(this.everyMs * 2, this.maxMs);
    this.activeSinceRead = false;
    this.nextCatchUp = now + this.everyMs;
  }
}
