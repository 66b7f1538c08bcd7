/**
 * Where `alfred fire <codename>` runs the firing: in this process (`deno run`,
 * where the caller chose the permissions), or in the agent's own binary next
 * to a compiled `alfred` (`alfred-<codename>`, with its own, narrower
 * permissions), so `alfred`'s manifest is only what its own commands need.
 *
 * Imports only runner/config/build_info.ts (which imports nothing): it is on the path
 * of every `alfred fire`.
 *
 * @module
 */
import { embeddedBuildInfo } from "../config/build_info.ts";

/** How this process was started, as far as the decision needs. */
export interface ProcessFacts {
  /** The build object a compiled Alfred binary embeds (runner/config/build_info.ts), if any. */
  buildInfo: unknown;
  /** `Deno.mainModule`: under `deno compile` it lies in the binary's `deno-compile-` folder. */
  mainModule: string;
  /** `Deno.execPath()`: the binary, or the `deno` running a script. */
  execPath: string;
}

/** Where a firing runs. */
export type FireRoute =
  | { kind: "in-process" }
  | { kind: "sibling"; program: string }
  | { kind: "invalid"; reason: string };

/**
 * Whether this process is a compiled binary (pure): it carries the build
 * object `scripts/build.ts` embeds in every release binary, or (a binary
 * compiled some other way) its main module lives in Deno's `deno-compile-`
 * folder. `execPath` alone cannot tell: a binary may be renamed, and `deno`
 * itself may be installed under another name.
 *
 * @param facts The process facts.
 * @returns `true` for a compiled binary.
 */
export function isCompiledBinary(facts: Pick<ProcessFacts, "buildInfo" | "mainModule">): boolean {
  if (facts.buildInfo && typeof facts.buildInfo === "object") return true;
  return /\/deno-compile-[^/]+\//.test(facts.mainModule);
}

/**
 * Decides where `alfred fire <codename>` runs (pure).
 *
 * @example Usage
 * ```ts
 * import { fireRouteOf } from "./fire_route.ts";
 * fireRouteOf({ buildInfo: { binary: "alfred" }, mainModule: "", execPath: "/opt/alfred/alfred" }, "lucius");
 * // { kind: "sibling", program: "/opt/alfred/alfred-lucius" }
 * ```
 *
 * @param facts How this process was started.
 * @param codename The agent to fire.
 * @returns In this process under `deno run`; else the `alfred-<codename>`
 *   binary in the folder of this one, or why the codename cannot name one.
 */
export function fireRouteOf(facts: ProcessFacts, codename: string): FireRoute {
  if (!isCompiledBinary(facts)) return { kind: "in-process" };
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(codename)) {
    return {
      kind: "invalid",
      reason: `"${codename}" is not a codename (lower-case letters, digits and dashes)`,
    };
  }
  const cut = facts.execPath.lastIndexOf("/");
  const dir = cut > 0 ? facts.execPath.slice(0, cut) : cut === 0 ? "" : ".";
  return { kind: "sibling", program: `${dir}/alfred-${codename}` };
}

/**
 * The facts of this process.
 *
 * @returns The embedded build object, the main module and the executable.
 */
export function currentProcessFacts(): ProcessFacts {
  return { buildInfo: embeddedBuildInfo(), mainModule: Deno.mainModule, execPath: Deno.execPath() };
}
