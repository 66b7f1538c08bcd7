/**
 * Slack as a control room: the Socket Mode listener (`alfred slack`,
 * `alfred-slack`) that answers `status`, pauses and resumes agents, fires
 * them, shows the report, and files issues from a message once an operator
 * approves the draft. See docs/SLACK.md.
 *
 * Firing threads (every notice about one issue in one thread) are sent by the
 * firings themselves: runner/firing/slack_threads.ts.
 *
 * @module
 */
export { type ListenerOptions, RECONNECT_MS, runSlackListener, SHUTDOWN_MS } from "./listener.ts";
export { readSlackSettings, type SlackSettings } from "./settings.ts";
export {
  type ChatCommand,
  COMMAND_WORDS,
  parseChatMessage,
  type ParsedMessage,
  USAGE,
} from "./commands.ts";
export {
  answerButton,
  answerMessage,
  type ButtonPress,
  type ConversationDeps,
  type IncomingMessage,
  type SlackPort,
} from "./conversation.ts";
export * from "./blocks.ts";
export { type Draft, readDraft } from "./drafts.ts";
export { draftIssueBody, type FiledIssue, fileDraft, findFiledDraft } from "./filing.ts";
export { awaitFiringEnd, type FiringWatch } from "./firing_watch.ts";
