/**
 * The repository most GitHub tests work on, `acme/web`, named both ways, and
 * the queue they claim from.
 *
 * @module
 */
import { LABELS } from "../../runner/claims/labels.ts";

/** The repository as the client names it. */
export const REPO: { readonly owner: string; readonly name: string } = {
  owner: "acme",
  name: "web",
};

/** The repository as `owner/name` (how the fake and markers name it). */
export const REPO_S = "acme/web";

/** The queue label claimed from: Lucius's. */
export const QUEUE: string = LABELS.implement;
