/**
 * How the listener tells a command from prose (slack/commands.ts), as a table.
 */
import { assertEquals } from "./support/assert.ts";
import { type ChatCommand, parseChatMessage, type ParsedMessage } from "../slack/commands.ts";

const CODENAMES = ["lucius", "echo", "rasalghul"];

function parse(text: string): ParsedMessage {
  return parseChatMessage(text, { codenames: CODENAMES });
}

Deno.test("commands are read case-insensitively, after the bot's mention, from the first word", () => {
  const cases: [string, ChatCommand][] = [
    ["help", { kind: "help" }],
    ["<@U0ALFRED> Status", { kind: "status" }],
    ["<@U0ALFRED|alfred>: STATUS", { kind: "status" }],
    ["pause lucius", { kind: "pause", target: "lucius" }],
    ["Pause ALL", { kind: "pause", target: "all" }],
    ["pause lucius for 2h", { kind: "pause", target: "lucius", forMs: 7_200_000 }],
    [
      "pause lucius for 1h30m deploy freeze until the release",
      {
        kind: "pause",
        target: "lucius",
        forMs: 5_400_000,
        reason: "deploy freeze until the release",
      },
    ],
    ["pause all the db is down", { kind: "pause", target: "all", reason: "the db is down" }],
    ["resume lucius", { kind: "resume", target: "lucius" }],
    ["resume all", { kind: "resume", target: "all" }],
    ["block", { kind: "block-show" }],
    ["block clear", { kind: "block-clear" }],
    ["block for 30m provider outage", {
      kind: "block-set",
      forMs: 1_800_000,
      reason: "provider outage",
    }],
    ["fire echo", { kind: "fire", codename: "echo" }],
    ["report", { kind: "report", days: 7 }],
    ["report 30", { kind: "report", days: 30 }],
    [
      "file acme/widget: Login fails on Safari\nSteps:\n1. open /login",
      {
        kind: "file",
        repo: "acme/widget",
        title: "Login fails on Safari",
        body: "Steps:\n1. open /login",
      },
    ],
    [
      "<@U0ALFRED> FILE acme/widget:Fix &lt;b&gt; tags &amp; more",
      { kind: "file", repo: "acme/widget", title: "Fix <b> tags & more", body: "" },
    ],
  ];
  for (const [text, command] of cases) {
    assertEquals(parse(text), { kind: "command", command }, JSON.stringify(text));
  }
});

Deno.test("prose that merely contains a command word is not a command", () => {
  for (
    const text of [
      "could you pause for a sec",
      "please pause lucius",
      "what is the status?",
      "hey <@U0ALFRED> status",
      "I will fire echo later",
      "",
      "   ",
      "<@U0ALFRED>",
    ]
  ) {
    assertEquals(parse(text), { kind: "prose" }, JSON.stringify(text));
  }
});

Deno.test("a command word that does not fit its grammar is a near miss, answered with its usage", () => {
  const cases: [string, string][] = [
    ["pause for a sec", "pause"],
    ["pause lucius for a sec", "pause"],
    ["pause nobody", "pause"],
    ["pause", "pause"],
    ["resume lucius now", "resume"],
    ["status of lucius", "status"],
    ["help me", "help"],
    ["fire", "fire"],
    ["fire the intern", "fire"],
    ["fire lucius and echo", "fire"],
    ["report 0", "report"],
    ["report 7d", "report"],
    ["report 400", "report"],
    ["block everything", "block"],
    ["block for 2x", "block"],
    ["block clear now", "block"],
    ["file acme/widget", "file"],
    ["file widget: no owner", "file"],
    [`file acme/widget: ${"x".repeat(257)}`, "file"],
    ["status\nand more", "status"],
    ["pause lucius\nsecond line", "pause"],
  ];
  for (const [text, word] of cases) {
    const parsed = parse(text);
    assertEquals(
      parsed.kind === "near-miss" ? parsed.word : parsed.kind,
      word,
      JSON.stringify(text),
    );
  }
});
