/**
 * Where a custom codename's prompt lives: its `prompt_file` in fleet.yaml,
 * read by its work (agents/custom/work.ts). No imports: the entry point
 * re-exports it.
 *
 * @module
 */

/**
 * Resolves a custom agent's `prompt_file` (pure): absolute as written, else
 * relative to ALFRED_HOME.
 *
 * @param home ALFRED_HOME.
 * @param promptFile The configured path.
 * @returns The absolute path.
 */
export function promptPathOf(home: string, promptFile: string): string {
  return promptFile.startsWith("/") ? promptFile : `${home}/${promptFile}`;
}
