/**
 * A custom codename: an implementing agent defined entirely in `fleet.yaml`
 * (`agents.<codename>` with `queue_label`, `prompt_file`, `job`, tier,
 * schedule, caps, `programs`, `hosts`). It runs Lucius's firing
 * (agents/lucius/work.ts) as that codename: it claims the oldest issue
 * labelled with its queue label, works in a worktree on
 * `agent/<codename>/<issue>-…`, runs the engine with its prompt file as the
 * instructions, and opens a pull request titled `[<Codename>] …` with
 * `Alfred-Agent: <codename>` trailers.
 *
 * `alfred fire <codename>` loads it for any codename of fleet.yaml that has
 * no built-in loader (cli/fire_agent.ts). A compiled `alfred-<codename>`
 * binary is this file; it reads its codename from its own name (the build's
 * preload module). Under `deno run`, give the codename as the first argument:
 * `deno run … agents/custom/mod.ts docs`.
 *
 * @module
 */
import type { AgentDefinition } from "../../runner/firing/agent.ts";
import { embeddedBuildInfo } from "../../runner/config/build_info.ts";
import { agentMain } from "../agent_main.ts";

export { promptPathOf } from "./prompt.ts";

/**
 * Makes the agent of a custom codename; its work module (agents/custom/work.ts)
 * loads here, which the lifecycle asks for only after the guard lets the
 * firing through.
 *
 * @param codename The codename, as in fleet.yaml.
 * @returns The agent definition.
 * @throws {AlfredError} for a built-in codename this binary does not carry.
 */
export async function customAgentFor(codename: string): Promise<AgentDefinition> {
  const { customAgent } = await import("./work.ts");
  return customAgent(codename);
}

/**
 * The codename a custom binary runs (pure): from its build name
 * (`alfred-<codename>`), else the first argument.
 *
 * @param build The embedded build object, if any.
 * @param args The command line.
 * @returns The codename, or `undefined` when neither says.
 */
export function codenameOfBinary(build: unknown, args: readonly string[]): string | undefined {
  const binary = build && typeof build === "object" && "binary" in build
    ? (build as { binary: unknown }).binary
    : undefined;
  if (typeof binary === "string" && binary.startsWith("alfred-")) {
    return binary.slice("alfred-".length);
  }
  return args[0];
}

if (import.meta.main) {
  // A compiled binary knows its codename; under `deno run` it is the first argument.
  const named = codenameOfBinary(embeddedBuildInfo(), []);
  const codename = named ?? Deno.args[0];
  const flags = named ? Deno.args : Deno.args.slice(1);
  if (!codename || codename.startsWith("-")) {
    console.error(
      "error: no codename\nhint: run a custom agent as `alfred fire <codename>`, or give it here.",
    );
    Deno.exit(2);
  }
  Deno.exit(
    await agentMain(codename, flags, {
      loadAgent: () => customAgentFor(codename),
    }),
  );
}
