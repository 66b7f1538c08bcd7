/**
 * The `schedule` string of an agent in `fleet.yaml`: parsing, and its forms for
 * systemd timers and launchd agents.
 *
 * The grammar is deliberately the intersection of what both schedulers can
 * express, so a schedule that parses can be installed on either platform and no
 * error is left for install time:
 *
 * | form                       | meaning                                   |
 * | -------------------------- | ----------------------------------------- |
 * | `every 20m`, `every 1h30m` | an interval; units `s`, `m`, `h`, `d`     |
 * | `hourly`, `hourly :15`     | every hour at that minute                 |
 * | `daily 02:30`              | every day at that time                    |
 * | `weekdays 09:00`           | Monday to Friday                          |
 * | `weekends 10:00`           | Saturday and Sunday                       |
 * | `mon,wed 18:00`            | the listed days (`mon` … `sun`)           |
 *
 * Calendar forms take one or more times separated by commas (`daily 02:30,14:30`)
 * and are read in the machine's local time zone, as both schedulers do.
 *
 * This module imports only runner/errors.ts: runner/config/config.ts calls it while
 * validating `fleet.yaml`.
 *
 * @module
 */
import { ConfigError } from "../runner/errors.ts";

/** A schedule string that does not follow the grammar; the message quotes it. */
export class ScheduleError extends ConfigError {
  /**
   * Creates a {@linkcode ScheduleError}.
   *
   * @param message What was wrong, quoting the schedule.
   * @param options The hint.
   */
  constructor(message: string, options: { hint?: string } = {}) {
    super(message, {
      hint: options.hint ??
        'Use an interval like "every 20m" or "every 1h30m", or a calendar form like ' +
          '"daily 02:30", "hourly :15", "weekdays 09:00" or "mon,wed 18:00" (see docs/SCHEDULER.md).',
    });
    this.name = "ScheduleError";
  }
}

/** A day of the week, 0 = Sunday … 6 = Saturday (the numbering of `Date#getDay` and launchd). */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** One time of day in a calendar schedule; `hour: null` means every hour. */
export interface TimeOfDay {
  /** 0–23, or `null` for every hour. */
  readonly hour: number | null;
  /** 0–59. */
  readonly minute: number;
}

/** A parsed schedule. */
export type Schedule =
  | {
    /** Fires every `seconds`, counted from the last firing. */
    readonly kind: "interval";
    /** The interval in seconds. */
    readonly seconds: number;
    /** The text it was parsed from. */
    readonly text: string;
  }
  | {
    /** Fires at wall-clock times. */
    readonly kind: "calendar";
    /** The days it fires on, ascending. */
    readonly days: readonly Weekday[];
    /** The times of day it fires at, ascending. */
    readonly times: readonly TimeOfDay[];
    /** The text it was parsed from. */
    readonly text: string;
  };

/** Shortest interval accepted: a firing takes seconds to start and guard. */
export const MIN_INTERVAL_SECONDS = 60;
/** Longest interval accepted (a week); longer gaps belong in a calendar form. */
export const MAX_INTERVAL_SECONDS = 7 * 24 * 3600;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const SYSTEMD_DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const ALL_DAYS: readonly Weekday[] = [0, 1, 2, 3, 4, 5, 6];
const WEEK_MINUTES = 7 * 24 * 60;

/**
 * Parses an agent's `schedule` string.
 *
 * @example Usage
 * ```ts
 * import { parseSchedule } from "./schedule.ts";
 * parseSchedule("every 1h30m"); // { kind: "interval", seconds: 5400, text: "every 1h30m" }
 * ```
 * @param text The schedule, e.g. `every 20m` or `daily 02:30`.
 * @returns The parsed schedule.
 * @throws {ScheduleError} when the text does not follow the grammar; the message
 *   quotes the text and says what was expected.
 */
export function parseSchedule(text: string): Schedule {
  const normal = text.trim().toLowerCase().replace(/\s+/g, " ");
  if (normal === "") throw new ScheduleError("schedule is empty");
  const [head, ...rest] = normal.split(" ");
  if (head === "every") return parseInterval(text, rest);
  if (rest.length > 1) {
    throw new ScheduleError(
      `schedule "${text}": expected "<days> <times>", found ${rest.length + 1} words`,
    );
  }
  if (head === "hourly") {
    const minute = rest.length === 0 ? 0 : parseMinuteOnly(text, rest[0]);
    return { kind: "calendar", days: ALL_DAYS, times: [{ hour: null, minute }], text };
  }
  if (rest.length === 0) {
    throw new ScheduleError(
      `schedule "${text}": expected a time after "${head}", e.g. "${head} 02:30"`,
    );
  }
  const days = parseDays(text, head);
  const times = parseTimes(text, rest[0]);
  return { kind: "calendar", days, times, text };
}

/**
 * The longest gap between two firings of a schedule, in seconds; missed-run
 * detection flags an agent whose last firing is older than twice this.
 *
 * @param schedule A parsed schedule.
 * @returns The interval, or for calendar forms the largest gap over a week.
 */
export function intervalSecondsOf(schedule: Schedule): number {
  if (schedule.kind === "interval") return schedule.seconds;
  const minutes = weekMinutesOf(schedule);
  let gap = 0;
  for (let i = 0; i < minutes.length; i++) {
    const next = i + 1 < minutes.length ? minutes[i + 1] : minutes[0] + WEEK_MINUTES;
    gap = Math.max(gap, next - minutes[i]);
  }
  return gap * 60;
}

/**
 * The next firing of a calendar schedule strictly after `after`, in local time.
 * Interval schedules count from the last firing, so they have none here.
 *
 * @param schedule A parsed schedule.
 * @param after The instant to search from.
 * @returns The next firing, or `undefined` for an interval schedule.
 */
export function nextCalendarFiring(schedule: Schedule, after: Date): Date | undefined {
  if (schedule.kind === "interval") return undefined;
  for (let dayOffset = 0; dayOffset <= 7; dayOffset++) {
    const day = new Date(after.getFullYear(), after.getMonth(), after.getDate() + dayOffset);
    if (!schedule.days.includes(day.getDay() as Weekday)) continue;
    const candidates: Date[] = [];
    for (const time of schedule.times) {
      const hours = time.hour === null ? [...Array(24).keys()] : [time.hour];
      for (const hour of hours) {
        candidates.push(
          new Date(day.getFullYear(), day.getMonth(), day.getDate(), hour, time.minute),
        );
      }
    }
    candidates.sort((a, b) => a.getTime() - b.getTime());
    const found = candidates.find((candidate) => candidate.getTime() > after.getTime());
    if (found) return found;
  }
  throw new Error(`no firing of "${schedule.text}" within 8 days; parseSchedule let it through`);
}

/** The timer settings of a schedule in a systemd `.timer` unit. */
export type SystemdTrigger =
  | { readonly kind: "interval"; readonly onBootSec: number; readonly onUnitActiveSec: number }
  | { readonly kind: "calendar"; readonly onCalendar: readonly string[] };

/** Delay after boot before the first firing of an interval schedule (capped by the interval). */
export const BOOT_DELAY_SECONDS = 5 * 60;

/**
 * Converts a schedule to systemd timer settings: `OnBootSec` + `OnUnitActiveSec`
 * for an interval, one `OnCalendar` per time for a calendar form.
 *
 * @param schedule A parsed schedule.
 * @returns The settings; calendar expressions look like `Mon,Wed *-*-* 18:00:00`.
 */
export function systemdTriggerOf(schedule: Schedule): SystemdTrigger {
  if (schedule.kind === "interval") {
    return {
      kind: "interval",
      onBootSec: Math.min(BOOT_DELAY_SECONDS, schedule.seconds),
      onUnitActiveSec: schedule.seconds,
    };
  }
  const days = schedule.days.length === 7
    ? ""
    : schedule.days.map((day) => SYSTEMD_DAY_NAMES[day]).join(",") + " ";
  const onCalendar = schedule.times.map((time) => {
    const hour = time.hour === null ? "*" : pad2(time.hour);
    return `${days}*-*-* ${hour}:${pad2(time.minute)}:00`;
  });
  return { kind: "calendar", onCalendar };
}

/** One `StartCalendarInterval` dictionary of launchd; a missing key means "any". */
export interface LaunchdCalendarEntry {
  /** 0–6, 0 = Sunday. */
  Weekday?: number;
  /** 0–23. */
  Hour?: number;
  /** 0–59. */
  Minute: number;
}

/** The launchd keys of a schedule. */
export type LaunchdTrigger =
  | { readonly StartInterval: number }
  | { readonly StartCalendarInterval: LaunchdCalendarEntry[] };

/**
 * Converts a schedule to launchd keys: `StartInterval` for an interval, an array
 * of `StartCalendarInterval` dictionaries (one per day and time) for a calendar form.
 *
 * @param schedule A parsed schedule.
 * @returns The keys to merge into the plist.
 */
export function launchdTriggerOf(schedule: Schedule): LaunchdTrigger {
  if (schedule.kind === "interval") return { StartInterval: schedule.seconds };
  const days: (Weekday | undefined)[] = schedule.days.length === 7 ? [undefined] : [
    ...schedule.days,
  ];
  const entries: LaunchdCalendarEntry[] = [];
  for (const day of days) {
    for (const time of schedule.times) {
      const entry: LaunchdCalendarEntry = { Minute: time.minute };
      if (day !== undefined) entry.Weekday = day;
      if (time.hour !== null) entry.Hour = time.hour;
      entries.push(entry);
    }
  }
  return { StartCalendarInterval: entries };
}

function parseInterval(text: string, words: string[]): Schedule {
  if (words.length !== 1) {
    throw new ScheduleError(
      `schedule "${text}": expected one duration after "every", like "every 20m" or "every 1h30m"`,
    );
  }
  const duration = words[0];
  if (!/^(\d+[smhd])+$/.test(duration)) {
    throw new ScheduleError(
      `schedule "${text}": "${duration}" is not a duration; use numbers with units s, m, h, d ` +
        `(e.g. 20m, 1h30m)`,
    );
  }
  let seconds = 0;
  const seen = new Set<string>();
  for (const [, amount, unit] of duration.matchAll(/(\d+)([smhd])/g)) {
    if (seen.has(unit)) {
      throw new ScheduleError(`schedule "${text}": unit "${unit}" appears twice in "${duration}"`);
    }
    seen.add(unit);
    seconds += Number(amount) * UNIT_SECONDS[unit];
  }
  if (seconds < MIN_INTERVAL_SECONDS) {
    throw new ScheduleError(
      `schedule "${text}": interval is ${seconds}s; the shortest is ${MIN_INTERVAL_SECONDS}s (1m)`,
    );
  }
  if (seconds > MAX_INTERVAL_SECONDS) {
    throw new ScheduleError(
      `schedule "${text}": interval is longer than 7d; use a calendar form like "mon 09:00"`,
    );
  }
  return { kind: "interval", seconds, text };
}

function parseDays(text: string, word: string): Weekday[] {
  if (word === "daily") return [...ALL_DAYS];
  if (word === "weekdays") return [1, 2, 3, 4, 5];
  if (word === "weekends") return [0, 6];
  const days = new Set<Weekday>();
  for (const name of word.split(",")) {
    const index = DAY_NAMES.indexOf(name as typeof DAY_NAMES[number]);
    if (index < 0) {
      throw new ScheduleError(
        `schedule "${text}": "${name}" is not a schedule word or day; expected every, hourly, ` +
          `daily, weekdays, weekends, or days from mon, tue, wed, thu, fri, sat, sun`,
      );
    }
    if (days.has(index as Weekday)) {
      throw new ScheduleError(`schedule "${text}": day "${name}" is listed twice`);
    }
    days.add(index as Weekday);
  }
  return [...days].sort((a, b) => a - b);
}

function parseTimes(text: string, word: string): TimeOfDay[] {
  const times: TimeOfDay[] = [];
  for (const part of word.split(",")) {
    const match = /^(\d{1,2}):(\d{2})$/.exec(part);
    if (!match) {
      throw new ScheduleError(`schedule "${text}": "${part}" is not a time; expected HH:MM`);
    }
    const hour = Number(match[1]);
    const minute = Number(match[2]);
    if (hour > 23 || minute > 59) {
      throw new ScheduleError(
        `schedule "${text}": "${part}" is out of range; hours are 00-23, minutes 00-59`,
      );
    }
    if (times.some((time) => time.hour === hour && time.minute === minute)) {
      throw new ScheduleError(`schedule "${text}": time "${part}" is listed twice`);
    }
    times.push({ hour, minute });
  }
  return times.sort((a, b) => (a.hour ?? 0) * 60 + a.minute - ((b.hour ?? 0) * 60 + b.minute));
}

function parseMinuteOnly(text: string, word: string): number {
  const match = /^:(\d{2})$/.exec(word);
  if (!match || Number(match[1]) > 59) {
    throw new ScheduleError(
      `schedule "${text}": "${word}" is not a minute; expected ":MM" from :00 to :59, ` +
        `e.g. "hourly :15"`,
    );
  }
  return Number(match[1]);
}

function weekMinutesOf(schedule: Schedule & { kind: "calendar" }): number[] {
  const minutes: number[] = [];
  for (const day of schedule.days) {
    for (const time of schedule.times) {
      const hours = time.hour === null ? [...Array(24).keys()] : [time.hour];
      for (const hour of hours) minutes.push(day * 24 * 60 + hour * 60 + time.minute);
    }
  }
  return minutes.sort((a, b) => a - b);
}

function pad2(value: number): string {
  return String(value).padStart(2, "0");
}
