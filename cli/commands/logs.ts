/**
 * `alfred logs <codename> [-f] [-n lines]`: an agent's log.
 *
 * @module
 */
import type { Command } from "./context.ts";
import { defineCommand } from "./args.ts";
import { AlfredError, UsageError } from "../../runner/errors.ts";
import { Codename } from "../../runner/config/config.ts";
import { listAgentLogs } from "../../runner/firing/log.ts";

const HELP = `Usage: alfred logs <codename> [-f] [-n lines]

Prints the last lines of an agent's log (ALFRED_HOME/logs/<codename>/, one
file per UTC day).

  -n, --lines N   how many lines (default 50)
  -f, --follow    keep printing new lines until interrupted`;

/** How often `--follow` looks for new lines. */
const FOLLOW_POLL_MS = 500;

/** The `logs` command. */
export const logsCommand: Command = defineCommand({
  command: "logs",
  help: HELP,
  options: {
    follow: { type: "boolean", short: "f" },
    lines: { type: "string", short: "n" },
  },
  allowPositionals: true,
}, async ({ values, positionals }, context) => {
  if (positionals.length !== 1 || !Codename.safeParse(positionals[0]).success) {
    throw new UsageError("alfred logs takes one codename");
  }
  const count = values.lines === undefined ? 50 : Number(values.lines);
  if (!Number.isInteger(count) || count < 0) {
    throw new UsageError(`--lines must be a whole number (got "${values.lines}")`);
  }
  const agent = positionals[0];
  const files = await listAgentLogs(context.layout, agent);
  if (!files.length && !values.follow) {
    throw new AlfredError(`no log for ${agent} yet`, {
      hint: `Fire it once: \`alfred fire ${agent}\`.`,
    });
  }
  const tail: string[] = [];
  for (const file of files.toReversed()) {
    const lines = (await Deno.readTextFile(file)).split("\n").filter((line) => line !== "");
    tail.unshift(...lines.slice(Math.max(0, lines.length - (count - tail.length))));
    if (tail.length >= count) break;
  }
  for (const line of tail) context.stdout(line);
  if (!values.follow) return 0;
  let current = files.at(-1);
  let offset = current ? (await Deno.stat(current)).size : 0;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
    const newest = (await listAgentLogs(context.layout, agent)).at(-1);
    if (newest !== current) {
      current = newest;
      offset = 0;
    }
    if (!current) continue;
    const handle = await Deno.open(current, { read: true });
    try {
      await handle.seek(offset, Deno.SeekMode.Start);
      const chunk = new Uint8Array(64 * 1024);
      let text = "";
      for (let n = await handle.read(chunk); n !== null; n = await handle.read(chunk)) {
        text += new TextDecoder().decode(chunk.subarray(0, n));
        offset += n;
      }
      for (const line of text.split("\n")) if (line) context.stdout(line);
    } finally {
      handle.close();
    }
  }
});
