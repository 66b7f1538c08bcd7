/**
 * Companion services: long-running user services beside the fleet (the Slack
 * listener, the dashboard). No firing depends on one; each is opt-in
 * (`alfred scheduler install --slack`), installed and removed with the timers,
 * recorded in the scheduler manifest, and shown by `alfred status` and
 * `alfred doctor`.
 *
 * A companion is a name, a command and a restart policy. systemd runs it as
 * `alfred-<name>.service` (`Restart=always` or `on-failure`), launchd as the
 * agent `<prefix>.alfred.<name>` (`KeepAlive`). Both leave the processes it
 * started alone when it stops (`KillMode=process`, `AbandonProcessGroup`): a
 * firing started from Slack or the dashboard outlives a restart of its starter.
 *
 * @module
 */
import { z } from "zod";
import { ConfigError } from "../runner/errors.ts";

/** When the service manager starts a companion again after it ended. */
export const CompanionRestart = z.enum(["always", "on-failure"]);
/** `always`: whenever it ends; `on-failure`: only when it exits non-zero or is killed. */
export type CompanionRestart = z.infer<typeof CompanionRestart>;

/** A companion's name: lower-case letters, digits and dashes, like a codename. */
export const CompanionName = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, {
  message: "must be lower-case letters, digits and dashes, starting with a letter",
});

/**
 * Exit codes after which a companion is not restarted, whatever its policy:
 * usage (2), configuration (3) and permission (5) errors, which a restart
 * cannot fix (runner/errors.ts). The service shows as failed instead, and
 * `alfred doctor` says so.
 */
export const NO_RESTART_EXIT_CODES: readonly number[] = [2, 3, 5];

/** Seconds between a companion's end and its restart (systemd `RestartSec=`; launchd throttles to 10 s). */
export const COMPANION_RESTART_SECONDS = 5;

/** Seconds the service manager waits after SIGTERM before it kills a companion. */
export const COMPANION_STOP_SECONDS = 10;

/** A long-running user service beside the fleet. */
export interface CompanionService {
  /** Its name: systemd `alfred-<name>.service`, launchd `<prefix>.alfred.<name>`. */
  readonly name: string;
  /** What it is, for a person: `Alfred Slack listener`. */
  readonly description: string;
  /** The absolute path of its program, then its arguments. */
  readonly command: readonly string[];
  /** When it is started again after it ended. */
  readonly restart: CompanionRestart;
}

/**
 * The systemd unit of a companion.
 *
 * @param name The companion's name.
 * @returns `alfred-<name>.service`.
 */
export function companionUnitName(name: string): string {
  return `alfred-${name}.service`;
}

/**
 * Checks a companion before any unit is written (pure).
 *
 * @param companion The companion.
 * @param options The agents' codenames, which a companion may not share
 *   (both would be `alfred-<name>.service`).
 * @returns The companion.
 * @throws {ConfigError} for a bad name, a relative program, or a clash with an agent.
 */
export function checkCompanion(
  companion: CompanionService,
  options: { codenames?: readonly string[] } = {},
): CompanionService {
  const name = CompanionName.safeParse(companion.name);
  if (!name.success) {
    throw new ConfigError(
      `companion service "${companion.name}": the name ${name.error.issues[0].message}`,
    );
  }
  if (options.codenames?.includes(companion.name)) {
    throw new ConfigError(
      `the agent "${companion.name}" has the name of the companion service alfred-${companion.name}`,
      { hint: `Rename the agent in fleet.yaml; "${companion.name}" is reserved.` },
    );
  }
  const [program] = companion.command;
  if (!program?.startsWith("/")) {
    throw new ConfigError(
      `companion service "${companion.name}" needs an absolute program path (got "${
        program ?? ""
      }")`,
      { hint: "Pass --bin-dir with an absolute folder." },
    );
  }
  return companion;
}
