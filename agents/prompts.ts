/**
 * The built-in prompt of every agent that runs an engine, which `alfred init`
 * seeds into `ALFRED_HOME/prompts/<codename>.md` (never overwriting the
 * operator's edits). Each is loaded only when asked for.
 *
 * @module
 */

/** Loaders of the built-in prompts, by codename. */
export const DEFAULT_PROMPTS: Readonly<Record<string, () => Promise<string>>> = {
  lucius: () => import("./lucius/prompt.ts").then((m) => m.DEFAULT_PROMPT),
  bane: () => import("./bane/prompt.ts").then((m) => m.DEFAULT_PROMPT),
  batman: () => import("./batman/prompt.ts").then((m) => m.DEFAULT_PROMPT),
  drake: () => import("./drake/prompt.ts").then((m) => m.DEFAULT_PROMPT),
  nightwing: () => import("./nightwing/prompt.ts").then((m) => m.DEFAULT_PROMPT),
  rasalghul: () => import("./rasalghul/prompt.ts").then((m) => m.DEFAULT_PROMPT),
  robin: () => import("./robin/prompt.ts").then((m) => m.DEFAULT_PROMPT),
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
  for (const [codename, load] of Object.entries(DEFAULT_PROMPTS)) {
    try {
      await Deno.writeTextFile(`${dir}/${codename}.md`, (await load()).trim() + "\n", {
        createNew: true,
      });
      written.push(codename);
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
  return written;
}
