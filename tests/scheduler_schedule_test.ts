import assert from "node:assert/strict";
import {
  intervalSecondsOf,
  launchdTriggerOf,
  nextCalendarFiring,
  parseSchedule,
  ScheduleError,
  systemdTriggerOf,
} from "../scheduler/schedule.ts";
import { ConfigError, ExitCode } from "../runner/errors.ts";

Deno.test("interval schedules parse to seconds with every unit and combination", () => {
  const cases: [string, number][] = [
    ["every 20m", 1200],
    ["every 1h30m", 5400],
    ["every 90s", 90],
    ["every 1d", 86400],
    ["every 1d2h", 93600],
    ["  Every   2H ", 7200],
    ["every 60s", 60],
    ["every 7d", 7 * 86400],
  ];
  for (const [text, seconds] of cases) {
    const schedule = parseSchedule(text);
    assert.deepEqual(schedule.kind, "interval", text);
    assert.deepEqual(intervalSecondsOf(schedule), seconds, text);
    assert.deepEqual(schedule.text, text);
  }
});

Deno.test("calendar schedules parse to days and times", () => {
  const cases: [string, number[], [number | null, number][]][] = [
    ["daily 02:30", [0, 1, 2, 3, 4, 5, 6], [[2, 30]]],
    ["hourly :15", [0, 1, 2, 3, 4, 5, 6], [[null, 15]]],
    ["hourly", [0, 1, 2, 3, 4, 5, 6], [[null, 0]]],
    ["weekdays 09:00", [1, 2, 3, 4, 5], [[9, 0]]],
    ["weekends 10:00", [0, 6], [[10, 0]]],
    ["mon,wed 18:00", [1, 3], [[18, 0]]],
    ["sun,sat 7:05", [0, 6], [[7, 5]]],
    ["daily 14:30,02:30", [0, 1, 2, 3, 4, 5, 6], [[2, 30], [14, 30]]],
  ];
  for (const [text, days, times] of cases) {
    const schedule = parseSchedule(text);
    if (schedule.kind !== "calendar") throw new Error(`${text} parsed as ${schedule.kind}`);
    assert.deepEqual([...schedule.days], days, text);
    assert.deepEqual(schedule.times.map((t) => [t.hour, t.minute]), times, text);
  }
});

Deno.test("bad schedules throw a ScheduleError that quotes the text and says what was expected", () => {
  const cases: [string, string][] = [
    ["", "schedule is empty"],
    ["every", 'schedule "every": expected one duration after "every"'],
    ["every 20", 'schedule "every 20": "20" is not a duration; use numbers with units s, m, h, d'],
    ["every 20x", '"20x" is not a duration'],
    ["every 1m1m", 'unit "m" appears twice in "1m1m"'],
    ["every 30s", "interval is 30s; the shortest is 60s (1m)"],
    ["every 8d", 'interval is longer than 7d; use a calendar form like "mon 09:00"'],
    ["every 20m please", "expected one duration"],
    ["daily", 'expected a time after "daily", e.g. "daily 02:30"'],
    ["daily 2pm", '"2pm" is not a time; expected HH:MM'],
    ["daily 24:00", '"24:00" is out of range; hours are 00-23, minutes 00-59'],
    ["daily 12:60", '"12:60" is out of range'],
    ["daily 02:30,02:30", 'time "02:30" is listed twice'],
    ["hourly 15", '"15" is not a minute; expected ":MM" from :00 to :59'],
    ["hourly :75", '":75" is not a minute'],
    ["monday 09:00", '"monday" is not a schedule word or day'],
    ["mon,mon 09:00", 'day "mon" is listed twice'],
    ["*-*-* 02:30:00", '"*-*-*" is not a schedule word or day'],
    ["daily 02:30 extra", 'expected "<days> <times>", found 3 words'],
  ];
  for (const [text, message] of cases) {
    const error = throwsScheduleError(() => parseSchedule(text));
    if (!error.message.includes(message)) {
      throw new Error(
        `"${text}": message ${JSON.stringify(error.message)} lacks ${JSON.stringify(message)}`,
      );
    }
    assert.deepEqual(error instanceof ConfigError, true);
    assert.deepEqual(error.exitCode, ExitCode.config);
    assert.deepEqual(typeof error.hint, "string");
  }
});

Deno.test("intervalSecondsOf gives the largest gap of a calendar schedule over a week", () => {
  const cases: [string, number][] = [
    ["daily 02:30", 86400],
    ["hourly :15", 3600],
    ["weekdays 09:00", 3 * 86400], // Friday 09:00 to Monday 09:00
    ["mon 09:00", 7 * 86400],
    ["mon,wed 18:00", 5 * 86400],
    ["daily 02:00,20:00", 18 * 3600],
    ["weekends 10:00", 6 * 86400],
  ];
  for (const [text, seconds] of cases) {
    assert.deepEqual(intervalSecondsOf(parseSchedule(text)), seconds, text);
  }
});

Deno.test("nextCalendarFiring finds the next local time strictly after the given instant", () => {
  // 2024-01-03 is a Wednesday; all times are local, as the schedulers use them.
  const at = (day: number, hour: number, minute: number) => new Date(2024, 0, day, hour, minute);
  const cases: [string, Date, Date][] = [
    ["daily 02:30", at(3, 1, 0), at(3, 2, 30)],
    ["daily 02:30", at(3, 2, 30), at(4, 2, 30)],
    ["hourly :15", at(3, 10, 20), at(3, 11, 15)],
    ["weekdays 09:00", at(5, 10, 0), at(8, 9, 0)], // Friday after 9 → Monday
    ["mon,wed 18:00", at(3, 18, 1), at(8, 18, 0)],
    ["daily 14:30,02:30", at(3, 3, 0), at(3, 14, 30)],
  ];
  for (const [text, after, expected] of cases) {
    assert.deepEqual(
      nextCalendarFiring(parseSchedule(text), after)?.getTime(),
      expected.getTime(),
      text,
    );
  }
  assert.deepEqual(nextCalendarFiring(parseSchedule("every 20m"), at(3, 0, 0)), undefined);
});

Deno.test("schedules convert to systemd timer settings", () => {
  assert.deepEqual(systemdTriggerOf(parseSchedule("every 20m")), {
    kind: "interval",
    onBootSec: 300,
    onUnitActiveSec: 1200,
  });
  assert.deepEqual(systemdTriggerOf(parseSchedule("every 2m")), {
    kind: "interval",
    onBootSec: 120,
    onUnitActiveSec: 120,
  });
  const cases: [string, string[]][] = [
    ["daily 02:30", ["*-*-* 02:30:00"]],
    ["hourly :15", ["*-*-* *:15:00"]],
    ["weekdays 09:00", ["Mon,Tue,Wed,Thu,Fri *-*-* 09:00:00"]],
    ["mon,wed 18:00,06:05", ["Mon,Wed *-*-* 06:05:00", "Mon,Wed *-*-* 18:00:00"]],
  ];
  for (const [text, onCalendar] of cases) {
    assert.deepEqual(systemdTriggerOf(parseSchedule(text)), { kind: "calendar", onCalendar }, text);
  }
});

Deno.test("schedules convert to launchd StartInterval or StartCalendarInterval", () => {
  assert.deepEqual(launchdTriggerOf(parseSchedule("every 1h30m")), { StartInterval: 5400 });
  assert.deepEqual(launchdTriggerOf(parseSchedule("daily 02:30")), {
    StartCalendarInterval: [{ Hour: 2, Minute: 30 }],
  });
  assert.deepEqual(launchdTriggerOf(parseSchedule("hourly :15")), {
    StartCalendarInterval: [{ Minute: 15 }],
  });
  assert.deepEqual(launchdTriggerOf(parseSchedule("mon,wed 18:00,06:05")), {
    StartCalendarInterval: [
      { Weekday: 1, Hour: 6, Minute: 5 },
      { Weekday: 1, Hour: 18, Minute: 0 },
      { Weekday: 3, Hour: 6, Minute: 5 },
      { Weekday: 3, Hour: 18, Minute: 0 },
    ],
  });
});

function throwsScheduleError(fn: () => unknown): ScheduleError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScheduleError) return error;
    throw error;
  }
  throw new Error("expected a ScheduleError");
}
