/**
 * What an agent's work function is written with: the kit a firing opens
 * (GitHub client, coordination, engine runs, timed phases), the options every
 * agent's work takes, the repos it serves, the opening of a reviewing
 * agent's prompt, and the commit-and-push of an editing agent.
 *
 * Agents' work modules import these by name; this face lists them.
 *
 * @module
 */
export * from "./commit_and_push.ts";
export * from "./agent_kit.ts";
export * from "./options.ts";
export * from "./prompt_opening.ts";
export * from "./repos.ts";
