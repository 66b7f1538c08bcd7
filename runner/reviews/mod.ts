/**
 * Pull-request reviews: Ra's al Ghul's review comment, written and read back
 * (findings.ts); which pull request it reviews next and what it remembers
 * (queue.ts); and the findings of bot reviewers read from inline comments
 * (bot_findings.ts). Nightwing reads the findings it fixes through here.
 *
 * @module
 */
export * from "./bot_findings.ts";
export * from "./findings.ts";
export * from "./queue.ts";
