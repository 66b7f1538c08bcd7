/**
 * The built-in prompt of every agent that runs an engine, which `alfred init`
 * seeds into `ALFRED_HOME/prompts/<codename>.md` (never overwriting the
 * operator's edits).
 *
 * @module
 */
import { DEFAULT_PROMPT as LUCIUS } from "./lucius/prompt.ts";
import { DEFAULT_PROMPT as BANE } from "./bane/prompt.ts";
import { DEFAULT_PROMPT as BATMAN } from "./batman/prompt.ts";
import { DEFAULT_PROMPT as DRAKE } from "./drake/prompt.ts";
import { DEFAULT_PROMPT as NIGHTWING } from "./nightwing/prompt.ts";
import { DEFAULT_PROMPT as RASALGHUL } from "./rasalghul/prompt.ts";
import { DEFAULT_PROMPT as ROBIN } from "./robin/prompt.ts";

/** The built-in prompts, by codename. */
export const DEFAULT_PROMPTS: Readonly<Record<string, string>> = {
  lucius: LUCIUS,
  bane: BANE,
  batman: BATMAN,
  drake: DRAKE,
  nightwing: NIGHTWING,
  rasalghul: RASALGHUL,
  robin: ROBIN,
};

/**
 * Writes each agent's built-in prompt to `<dir>/<codename>.md` unless the file exists.
 *
 * @param dir The prompts folder (`ALFRED_HOME/prompts`).
 * @returns The codenames whose prompt was written now.
 */
export async function seedPrompts(dir: string): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [codename, prompt] of Object.entries(DEFAULT_PROMPTS)) {
    try {
      await Deno.writeTextFile(`${dir}/${codename}.md`, prompt.trim() + "\n", {
        createNew: true,
      });
      written.push(codename);
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
  return written;
}
