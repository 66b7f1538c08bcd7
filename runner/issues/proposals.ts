/**
 * Issues an engine proposes and the runner files (Drake's gaps, Batman's
 * child issues): the engine ends its final text with one fenced `json` block,
 * which is read back with zod; titles are compared normalised so that the
 * same gap is never filed twice; bodies get the acceptance criteria as a
 * checklist and the `filed` marker. Pure functions.
 *
 * @module
 */
import { z } from "zod";
import { type FiledMarker, formatMarker } from "../claims/markers.ts";

/** One issue as an engine proposes it. */
export const IssueProposal = z.strictObject({
  title: z.string().trim().min(5, "is too short").max(120, "is longer than 120 characters"),
  body: z.string().trim().min(1, "is empty").max(20_000),
  acceptance_criteria: z.array(z.string().trim().min(1)).min(1, "needs at least one criterion")
    .max(15),
});
/** A parsed {@linkcode IssueProposal}. */
export type IssueProposal = z.infer<typeof IssueProposal>;

/** What reading a proposal block gave: the value, or the problem in one line. */
export type ReadResult<T> = { ok: true; value: T } | { ok: false; problem: string };

const FENCE = /```json[ \t]*\n([\s\S]*?)\n[ \t]*```/g;

/**
 * Reads the last fenced `json` block of a text with a schema.
 *
 * @param text The engine's final text (or a comment).
 * @param schema The schema of the block.
 * @returns The value, or why it could not be read (no block, bad JSON, schema).
 */
export function readJsonBlock<T>(text: string, schema: z.ZodType<T>): ReadResult<T> {
  const blocks = [...text.matchAll(FENCE)];
  const last = blocks.at(-1);
  if (!last) return { ok: false, problem: "no ```json block in the text" };
  let data: unknown;
  try {
    data = JSON.parse(last[1]);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { ok: false, problem: `the json block does not parse: ${error.message}` };
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, problem: `${issue.path.join(".") || "(block)"}: ${issue.message}` };
}

/**
 * The text of an engine's final message without its fenced `json` blocks (pure).
 *
 * @param text The final text.
 * @returns The prose around the blocks, trimmed.
 */
export function withoutJsonBlocks(text: string): string {
  return text.replace(FENCE, "").replace(/\n{3,}/g, "\n\n").trim();
}

/**
 * A title reduced to what makes it the same issue: lower case, no bracketed
 * tags (`[Drake]`), no punctuation, single spaces.
 *
 * @param title An issue title.
 * @returns The normalised title.
 */
export function normalizeTitle(title: string): string {
  return title
    .toLowerCase()
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** What {@linkcode dedupeByTitle} kept and left out. */
export interface Deduped<T> {
  /** Proposals to file, in order, at most `cap`. */
  kept: T[];
  /** Proposals left out, with why. */
  dropped: { title: string; reason: "duplicate" | "over-cap" }[];
}

/**
 * Drops proposals whose normalised title matches an existing issue or an
 * earlier proposal, then keeps at most `cap`.
 *
 * @param proposals The proposals, in the engine's order.
 * @param options Titles of existing issues, and the cap.
 * @returns What to file and what was left out.
 */
export function dedupeByTitle<T extends { title: string }>(
  proposals: readonly T[],
  options: { existing: Iterable<string>; cap: number },
): Deduped<T> {
  const seen = new Set([...options.existing].map(normalizeTitle));
  const kept: T[] = [];
  const dropped: Deduped<T>["dropped"] = [];
  for (const proposal of proposals) {
    const key = normalizeTitle(proposal.title);
    if (seen.has(key)) {
      dropped.push({ title: proposal.title, reason: "duplicate" });
    } else if (kept.length >= options.cap) {
      dropped.push({ title: proposal.title, reason: "over-cap" });
    } else {
      seen.add(key);
      kept.push(proposal);
    }
  }
  return { kept, dropped };
}

/**
 * The body of a filed issue (pure): the proposal's body, its acceptance
 * criteria as a checklist, optional lines (e.g. `Part of owner/name#n`), and
 * the `filed` marker.
 *
 * @param proposal The proposal.
 * @param options The marker and extra lines.
 * @returns Markdown.
 */
export function filedIssueBody(
  proposal: IssueProposal,
  options: { marker: Omit<FiledMarker, "kind">; lines?: readonly string[] },
): string {
  const parts = [
    proposal.body.trim(),
    "## Acceptance criteria",
    proposal.acceptance_criteria.map((criterion) => `- [ ] ${criterion}`).join("\n"),
  ];
  if (options.lines?.length) parts.push(options.lines.join("\n"));
  parts.push(formatMarker({ kind: "filed", ...options.marker }));
  return parts.join("\n\n") + "\n";
}
