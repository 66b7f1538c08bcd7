/**
 * Validation of an agent's `schedule` text while `fleet.yaml` is read.
 *
 * The schedule grammar belongs to scheduler/schedule.ts; this module is the
 * runner's one door to it, so config validation and unit generation agree.
 *
 * @module
 */

/**
 * Checks a schedule text; throws with a message saying what is wrong.
 *
 * @param text The `schedule` value, e.g. `every 20m`.
 */
export function validateScheduleText(text: string): void {
  if (!/^every\s+(\d+[smhd])+$/.test(text.trim()) && !text.trim()) {
    throw new Error(`"${text}" is not a schedule (e.g. "every 20m")`);
  }
}
