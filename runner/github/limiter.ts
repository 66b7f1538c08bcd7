/**
 * The request limiters of the GitHub client, without the latency of
 * Bottleneck's timers.
 *
 * octokit's throttling plugin spaces requests with Bottleneck limiters. Each
 * Bottleneck job makes several zero-delay `setTimeout` hops (its local
 * datastore imitates Redis's round trips, then one more hop to start the job),
 * and each hop costs 1 to 4 ms in Deno: measured, 20 to 40 ms per request to a
 * loopback server that answers in under 1 ms. {@linkcode Limiter} and
 * {@linkcode LimiterGroup} implement the part of Bottleneck's interface the
 * plugin uses (`Group#key`, `schedule`, the `failed` event and its retries)
 * with the same scheduling rules (priorities 0 to 9, job weights,
 * `maxConcurrent`, `minTime` spacing between job starts), and wait on a timer
 * only when a wait is due. (octokit's retry plugin, which made a Bottleneck per
 * request, is off: runner/github/retries.ts retries on its own clock.)
 *
 * @module
 */

/** The options of one job, as Bottleneck takes them. */
export interface JobOptions {
  /** 0 (first) to 9 (last); default 5. */
  priority?: number;
  /** How much of `maxConcurrent` the job takes; default 1. Retries use 0. */
  weight?: number;
  /** Ignored: expiration is for clustered limiters, which Alfred does not use. */
  expiration?: number;
  /** A name for the job (unused; accepted for compatibility). */
  id?: string;
}

/** What a `failed` listener is told about the job. */
export interface JobInfo {
  /** The arguments the task was scheduled with. */
  args: unknown[];
  /** The job's options. */
  options: JobOptions;
  /** How many times the job was retried so far. */
  retryCount: number;
}

/**
 * Listens to a failed job: a number (ms) retries the job after that wait;
 * anything else lets the job fail with its error.
 */
export type FailedListener = (error: unknown, info: JobInfo) => unknown;

/** How a limiter spaces its jobs. */
export interface LimiterOptions {
  /** How many jobs (by weight) run at once; unlimited when absent. */
  maxConcurrent?: number;
  /** The least time between the starts of two jobs, in ms; default 0. */
  minTime?: number;
  /** The clock in ms (tests). Default `Date.now`. */
  now?: () => number;
}

interface Job {
  task: (...args: unknown[]) => unknown;
  args: unknown[];
  options: JobOptions;
  weight: number;
  retryCount: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

const PRIORITIES = 10;
const DEFAULT_PRIORITY = 5;

/** One limiter: a Bottleneck look-alike for octokit's throttling plugin. */
export class Limiter {
  readonly #maxConcurrent: number | undefined;
  readonly #minTime: number;
  readonly #now: () => number;
  readonly #queues: Job[][] = Array.from({ length: PRIORITIES }, () => []);
  readonly #failed: FailedListener[] = [];
  #running = 0;
  #nextStart = 0;

  /**
   * Creates a {@linkcode Limiter}.
   *
   * @param options `maxConcurrent`, `minTime` and the clock.
   */
  constructor(options: LimiterOptions = {}) {
    this.#maxConcurrent = options.maxConcurrent;
    this.#minTime = options.minTime ?? 0;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Adds a listener. Only `failed` is emitted: the first listener's number
   * retries the failed job after that many ms.
   *
   * @param event The event name.
   * @param listener The listener.
   */
  on(event: string, listener: FailedListener): void {
    if (event === "failed") this.#failed.push(listener);
  }

  /**
   * Runs `task(...args)` when the limits allow: `schedule(task, ...args)` or
   * `schedule(options, task, ...args)`, as Bottleneck's `schedule`.
   *
   * @param input The job's options (optional), the task, then its arguments.
   * @returns What the task returns.
   */
  schedule<T>(...input: unknown[]): Promise<T> {
    const options = (typeof input[0] === "function" ? {} : input.shift() ?? {}) as JobOptions;
    const [task, ...args] = input as [(...args: unknown[]) => T, ...unknown[]];
    return new Promise<T>((resolve, reject) => {
      const priority = Math.min(
        PRIORITIES - 1,
        Math.max(0, Math.trunc(options.priority ?? DEFAULT_PRIORITY)),
      );
      this.#queues[priority].push({
        task,
        args,
        options,
        weight: options.weight ?? 1,
        retryCount: 0,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.#drain();
    });
  }

  /** Starts every queued job the limits allow now (Bottleneck's register step). */
  #drain(): void {
    for (;;) {
      const queue = this.#queues.find((jobs) => jobs.length > 0);
      if (!queue) return;
      const job = queue[0];
      if (this.#maxConcurrent !== undefined && this.#running + job.weight > this.#maxConcurrent) {
        return;
      }
      queue.shift();
      const now = this.#now();
      const wait = Math.max(this.#nextStart - now, 0);
      this.#nextStart = now + wait + this.#minTime;
      this.#running += job.weight;
      this.#runAfter(job, wait);
    }
  }

  /** Runs the job after `waitMs`: on a microtask when nothing is due, else on a timer. */
  #runAfter(job: Job, waitMs: number): void {
    if (waitMs > 0) setTimeout(() => void this.#execute(job), waitMs);
    else queueMicrotask(() => void this.#execute(job));
  }

  async #execute(job: Job): Promise<void> {
    let value: unknown;
    try {
      value = await job.task(...job.args);
    } catch (error) {
      let retryAfter: unknown;
      try {
        retryAfter = await this.#onFailed(error, job);
      } catch (listenerError) {
        // A listener that throws ends the job with that error (Bottleneck would drop it silently).
        this.#free(job);
        job.reject(listenerError);
        return;
      }
      if (retryAfter !== undefined && retryAfter !== null) {
        // As Bottleneck: a retry keeps its place (no new spacing) and runs after the wait.
        job.retryCount++;
        this.#runAfter(job, Math.max(0, Math.trunc(Number(retryAfter)) || 0));
        return;
      }
      this.#free(job);
      job.reject(error);
      return;
    }
    this.#free(job);
    job.resolve(value);
  }

  async #onFailed(error: unknown, job: Job): Promise<unknown> {
    const info: JobInfo = { args: job.args, options: job.options, retryCount: job.retryCount };
    const results = await Promise.all(this.#failed.map((listener) => listener(error, info)));
    return results.find((result) => result !== undefined && result !== null);
  }

  #free(job: Job): void {
    this.#running -= job.weight;
    this.#drain();
  }
}

/** Limiters by key, as `Bottleneck.Group`: each key has its own limits. */
export class LimiterGroup {
  readonly #options: LimiterOptions;
  readonly #limiters = new Map<string, Limiter>();

  /**
   * Creates a {@linkcode LimiterGroup}.
   *
   * @param options The limits every limiter of the group gets.
   */
  constructor(options: LimiterOptions = {}) {
    this.#options = options;
  }

  /**
   * The limiter of `key`, made on first use.
   *
   * @param key The key (octokit's throttling plugin uses the client's id).
   * @returns The limiter.
   */
  key(key = ""): Limiter {
    let limiter = this.#limiters.get(key);
    if (!limiter) {
      limiter = new Limiter(this.#options);
      this.#limiters.set(key, limiter);
    }
    return limiter;
  }
}
