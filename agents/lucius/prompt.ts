/**
 * Lucius's built-in instructions, which `alfred init` seeds into
 * `ALFRED_HOME/prompts/lucius.md` for the operator to edit.
 *
 * @module
 */
export { BUILT_IN_INSTRUCTIONS as DEFAULT_PROMPT } from "../../runner/engines/prompt.ts";
