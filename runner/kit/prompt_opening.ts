/**
 * The opening every editing agent's prompt shares (Bane, Nightwing): the
 * operator's instructions (`prompts/<codename>.md`, else the built-in ones),
 * then the repository's conventions file, fenced as data; and the fence the
 * rest of the prompt uses around untrusted text.
 *
 * @module
 */
import type { FiringContext } from "../firing/agent.ts";
import {
  loadConventions,
  loadOperatorInstructions,
  MAX_CONVENTIONS_CHARS,
  randomFence,
} from "../engines/prompt.ts";

/** What {@linkcode promptOpening} gives: the first parts, and the fence. */
export interface PromptOpening {
  /** The instructions, and the conventions when the repository has them. */
  parts: string[];
  /** The fence around untrusted text, which occurs in none of it. */
  fence: string;
}

/**
 * Reads the instructions and the worktree's conventions, and picks a fence.
 *
 * Requires `--allow-read` of ALFRED_HOME/prompts and the worktree.
 *
 * @param context The firing.
 * @param options The built-in prompt, the worktree, and the untrusted texts the fence must avoid.
 * @returns The opening parts and the fence.
 */
export async function promptOpening(
  context: FiringContext,
  options: { defaultPrompt: string; dir: string; untrusted: readonly string[] },
): Promise<PromptOpening> {
  const instructions =
    await loadOperatorInstructions(context.layout.promptsDir, context.codename) ??
      options.defaultPrompt;
  const conventions = await loadConventions(options.dir);
  const fence = randomFence([conventions?.text ?? "", ...options.untrusted]);
  const parts = [instructions.trim()];
  if (conventions) {
    parts.push(
      `## The repository's conventions (${conventions.file})\n\nFollow them where they apply.\n\n` +
        `${fence}\n${conventions.text.trim().slice(0, MAX_CONVENTIONS_CHARS)}\n${fence}`,
    );
  }
  return { parts, fence };
}
