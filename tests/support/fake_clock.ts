/**
 * A clock that moves only when told: `sleep` advances it and resolves at once,
 * so code that waits (retries, rate-limit backoffs) runs in no real time and
 * no test depends on how fast the machine is.
 *
 * @module
 */

/** A fake clock. */
export interface FakeClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** The time as a Date. */
  date(): Date;
  /** Advances the clock by `ms` and resolves (on a microtask, never on a timer). */
  sleep(ms: number): Promise<void>;
  /** Advances the clock by `ms`. */
  advance(ms: number): void;
  /** Every sleep asked for, in ms, in order. */
  readonly slept: number[];
}

/**
 * Makes a fake clock.
 *
 * @param start Where it starts.
 * @returns The clock.
 */
export function fakeClock(start: Date | string = "2026-11-27T09:00:00Z"): FakeClock {
  let ms = new Date(start).getTime();
  const slept: number[] = [];
  return {
    now: () => ms,
    date: () => new Date(ms),
    sleep(wait) {
      slept.push(wait);
      ms += Math.max(0, wait);
      return Promise.resolve();
    },
    advance(wait) {
      ms += wait;
    },
    slept,
  };
}
