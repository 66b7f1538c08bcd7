/**
 * Validation of an agent's `schedule` text while `fleet.yaml` is read.
 *
 * The schedule grammar belongs to scheduler/schedule.ts; this module is the
 * runner's one door to it, so config validation and unit generation agree,
 * and a schedule that no scheduler can express is refused when the file is
 * read, not at install.
 *
 * @module
 */
import { parseSchedule } from "../../scheduler/schedule.ts";

/**
 * Checks a schedule text.
 *
 * @param text The `schedule` value, e.g. `every 20m` or `daily 02:30`.
 * @throws {ScheduleError} saying what is wrong and what forms are accepted.
 */
export function validateScheduleText(text: string): void {
  parseSchedule(text);
}
