/**
 * Doctor check: systemd user units only run while the user has a login session,
 * unless "lingering" is enabled for the user (`loginctl enable-linger <user>`).
 * Agents must fire with nobody logged in, so `alfred doctor` checks it.
 *
 * @module
 */
import type { SchedulerRunner } from "./runner.ts";

/** The result of the linger check. */
export interface LingerCheck {
  /** `true` linger on, `false` off, `undefined` could not tell. */
  readonly linger: boolean | undefined;
  /** One line for the doctor's report. */
  readonly message: string;
  /** What to do when it is not on. */
  readonly hint: string | undefined;
}

/** Where logind records lingering users: one empty file per user name. */
export const LINGER_DIR = "/var/lib/systemd/linger";

/**
 * Parses `loginctl show-user <user> --property=Linger`.
 *
 * @param stdout The command's output, e.g. `Linger=yes`.
 * @returns `true` for yes, `false` for no, `undefined` when the line is missing.
 */
export function parseLinger(stdout: string): boolean | undefined {
  const match = /^Linger=(yes|no)$/m.exec(stdout);
  return match ? match[1] === "yes" : undefined;
}

/**
 * The explanation the doctor prints when lingering is off.
 *
 * @param user The user name.
 * @returns Why it matters and the command that fixes it.
 */
export function lingerAdvice(user: string): string {
  return `Without lingering, systemd stops ${user}'s timers when the last session ends, so agents ` +
    `only fire while ${user} is logged in. Enable it once with \`loginctl enable-linger ${user}\` ` +
    `(or \`sudo loginctl enable-linger ${user}\` when polkit asks for a password); check with ` +
    `\`loginctl show-user ${user} --property=Linger\`.`;
}

/**
 * Checks whether systemd lingering is enabled for `user`.
 *
 * Runs `loginctl show-user <user> --property=Linger`. logind answers "not logged
 * in or lingering" for a user with no session and no linger, which is a "no".
 * When logind cannot be asked, the linger file under {@linkcode LINGER_DIR} decides.
 *
 * @param user The user name.
 * @param options The runner, and `lingerDir` to look for the linger file in.
 * @returns The verdict with a message and, when off or unknown, a hint.
 */
export async function checkLinger(
  user: string,
  options: { runner: SchedulerRunner; lingerDir?: string },
): Promise<LingerCheck> {
  const result = await options.runner.run("loginctl", ["show-user", user, "--property=Linger"]);
  if (result.code === 0) {
    const linger = parseLinger(result.stdout);
    if (linger !== undefined) return verdict(user, linger, "loginctl");
  } else if (/not logged in or lingering/i.test(result.stderr)) {
    return verdict(user, false, "loginctl");
  }
  const file = `${options.lingerDir ?? LINGER_DIR}/${user}`;
  try {
    await Deno.stat(file);
    return verdict(user, true, file);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const said = result.stderr.trim() || result.stdout.trim() || `exit ${result.code}`;
  return {
    linger: undefined,
    message:
      `could not tell whether lingering is on for ${user}: loginctl said "${said}" and ${file} does not exist`,
    hint: lingerAdvice(user),
  };
}

function verdict(user: string, linger: boolean, source: string): LingerCheck {
  return linger
    ? { linger, message: `lingering is on for ${user} (${source})`, hint: undefined }
    : { linger, message: `lingering is off for ${user} (${source})`, hint: lingerAdvice(user) };
}
