/**
 * Bot reviewers' findings (runner/reviews/bot_findings.ts): severities of Codex,
 * CodeRabbit and bracket styles, titles without markup, and which inline
 * comments are open findings, as tables of cases.
 */
import { assertEquals } from "./support/assert.ts";
import {
  botSeverityOf,
  botTitleOf,
  isBot,
  openBotFindings,
} from "../runner/reviews/bot_findings.ts";
import type { ReviewComment } from "../runner/github/pulls.ts";
import { alfredTrust } from "./support/helpers.ts";

const CODEX_P1 =
  "**<sub><sub>![P1 Badge](https://img.shields.io/badge/P1-orange?style=flat)</sub></sub>  Bootstrap Cilium before disabling Flannel**\n\nThe server config disables Flannel…";

Deno.test("a bot's severity is read from Codex badges, CodeRabbit labels or a leading [Pn]", () => {
  const cases: [string, string | undefined][] = [
    [CODEX_P1, "P1"],
    [
      "**<sub><sub>![P0 Badge](https://img.shields.io/badge/P0-red?style=flat)</sub></sub> Crash**",
      "P0",
    ],
    ["see https://img.shields.io/badge/P2-yellow", "P2"],
    ["_⚠️ Potential issue_ | _🔴 Critical_\n\n**Null dereference**", "P0"],
    ["_🛠️ Refactor suggestion_ | _🟠 Major_", "P1"],
    ["_🧹 Nitpick_ | _🟡 Minor_", "P2"],
    ["- [P1] src/a.ts:3 — off by one", "P1"],
    ["**[P0]** data loss", "P0"],
    ["Consider renaming this variable.", undefined],
    ["This is not [P1] at the start", undefined],
  ];
  for (const [body, severity] of cases) assertEquals(botSeverityOf(body), severity, body);
});

Deno.test("a bot's title is its first line without images, tags, emphasis or severity", () => {
  const cases: [string, string][] = [
    [CODEX_P1, "Bootstrap Cilium before disabling Flannel"],
    ["\n\n**[P0]** data loss\nmore", "data loss"],
    ["![x](y)", "(no title)"],
  ];
  for (const [body, title] of cases) assertEquals(botTitleOf(body), title, body);
  assertEquals(isBot({ login: "chatgpt-codex-connector[bot]" }), true);
  assertEquals(isBot({ login: "coderabbitai", type: "Bot" }), true);
  assertEquals(isBot({ login: "operator", type: "User" }), false);
  assertEquals(isBot(null), false);
});

Deno.test("open bot findings: P0/P1 by a bot, on a current line, not a reply, not answered by a review-fix", () => {
  const comment = (id: number, fields: Partial<ReviewComment> = {}): ReviewComment => ({
    id,
    body: CODEX_P1,
    path: "src/a.ts",
    line: 10,
    commit_id: "a".repeat(40),
    user: { login: "chatgpt-codex-connector[bot]", type: "Bot" },
    html_url: `https://github.com/acme/web/pull/3#discussion_r${id}`,
    ...fields,
  });
  const fix = (id: number, review: number) =>
    comment(id, {
      in_reply_to_id: review,
      user: { login: "alfred-bot", type: "User" },
      body:
        `<!-- alfred:review-fix codename=nightwing firing=f ts=2026-11-27T10:00:00.000Z host=h pr=3 review=${review} findings=1 sha=${
          "b".repeat(40)
        } -->\nfixed`,
    });
  const cases: { name: string; comments: ReviewComment[]; want: number[] }[] = [
    { name: "one open finding", comments: [comment(1)], want: [1] },
    { name: "outdated", comments: [comment(1, { line: null })], want: [] },
    {
      name: "a human's comment",
      comments: [comment(1, { user: { login: "op", type: "User" } })],
      want: [],
    },
    { name: "a P2", comments: [comment(1, { body: "_🟡 Minor_ style" })], want: [] },
    { name: "answered by Nightwing", comments: [comment(1), comment(2), fix(3, 1)], want: [2] },
    { name: "a reply naming another", comments: [comment(1), fix(3, 2)], want: [1] },
    {
      name: "a forged review-fix reply closes nothing",
      comments: [comment(1), { ...fix(3, 1), user: { login: "mallory", type: "User" } }],
      want: [1],
    },
    {
      name: "a bot's reply is not a finding",
      comments: [comment(1), comment(2, { in_reply_to_id: 1 })],
      want: [1],
    },
  ];
  for (const c of cases) {
    assertEquals(
      openBotFindings(c.comments, alfredTrust()).map((f) => f.commentId),
      c.want,
      c.name,
    );
  }
  const [finding] = openBotFindings([comment(5)], alfredTrust());
  assertEquals(finding, {
    commentId: 5,
    login: "chatgpt-codex-connector[bot]",
    severity: "P1",
    path: "src/a.ts",
    line: 10,
    text: "Bootstrap Cilium before disabling Flannel",
  });
});
