import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';

/**
 * One timer that wakes the destination workflow's loop at the earliest time it asked for.
 *
 * A `condition(fn, timeout)` starts a timer on every wait and cancels it when the condition
 * wins, which cost two history events per loop turn. This keeps a single timer alive across
 * turns and replaces it only when an earlier wake is needed.
 */
export class WakeTimer {
  /** bumped each time the timer fires; a waiting condition watches it */
  fired = 0;
  private current: { at: number; scope: CancellationScope } | null = null;

  /** Makes sure the loop wakes at `at` (epoch ms) or earlier. */
  wakeBy(at: number): void {
    if (!Number.isFinite(at)) return;
    if (this.current && this.current.at <= at) return;
    this.current?.scope.cancel();
    const scope = new CancellationScope();
    const timer = { at, scope };
    this.current = timer;
    scope
      .run(() => sleep(Math.max(at - Date.now(), 1)))
      .then(
        () => {
          if (this.current === timer) this.current = null;
          this.fired++;
        },
        (err: unknown) => {
          // Replaced by an earlier timer: nothing to do.
          if (!isCancellation(err)) throw err;
        },
      );
  }
}
