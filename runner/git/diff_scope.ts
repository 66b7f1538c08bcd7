/**
 * Which lines a pull request's diff touches, and whether a review finding
 * points inside them (pure). Nightwing fixes a finding only when it does: a
 * finding about a file the pull request never touched (a `package.json` to
 * "fix" with a postinstall script, say) is left to a human, however it got
 * into a review.
 *
 * The scope of a file is the new side of each hunk of GitHub's patch,
 * context lines included (what GitHub shows as the diff). A file whose patch
 * GitHub left out (binary, or too large) is in scope as a whole; a removed
 * file is not (there is nothing left to fix).
 *
 * @module
 */
import type { PullFile } from "../github/pulls.ts";

/** The new-side line ranges `[first, last]` of each changed file, by path. */
export type DiffScope = ReadonlyMap<string, readonly (readonly [number, number])[] | "whole">;

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/gm;

/**
 * The new-side line ranges of a unified diff's hunks (pure).
 *
 * @example Usage
 * ```ts
 * import { hunkRanges } from "./diff_scope.ts";
 * hunkRanges("@@ -1,3 +1,4 @@\n a\n+b\n c\n d"); // [[1, 4]]
 * ```
 *
 * @param patch A file's patch, as GitHub gives it.
 * @returns `[first, last]` per hunk with new-side lines, in order.
 */
export function hunkRanges(patch: string): [number, number][] {
  const ranges: [number, number][] = [];
  for (const match of patch.matchAll(HUNK)) {
    const start = Number(match[1]);
    const count = match[2] === undefined ? 1 : Number(match[2]);
    if (count > 0) ranges.push([start, start + count - 1]);
  }
  return ranges;
}

/**
 * The scope of a pull request's diff (pure).
 *
 * @param files The files of the pull request (`GET …/pulls/{n}/files`).
 * @returns Each changed file's line ranges, or `whole` when GitHub gave no patch.
 */
export function diffScopeOf(files: readonly PullFile[]): DiffScope {
  const scope = new Map<string, readonly (readonly [number, number])[] | "whole">();
  for (const file of files) {
    if (file.status === "removed") continue;
    scope.set(file.filename, file.patch === undefined ? "whole" : hunkRanges(file.patch));
  }
  return scope;
}

/**
 * Whether a finding's location is inside the diff (pure): its file is changed
 * and, when it names lines, one of them is in a hunk. A general finding (no
 * file) is not.
 *
 * @param finding The finding's path and lines.
 * @param scope The diff's scope, from {@linkcode diffScopeOf}.
 * @returns Whether Nightwing may fix it.
 */
export function isInDiff(
  finding: { path?: string; line?: number; endLine?: number },
  scope: DiffScope,
): boolean {
  if (!finding.path) return false;
  const ranges = scope.get(finding.path.replace(/^\.\//, ""));
  if (ranges === undefined) return false;
  if (ranges === "whole" || finding.line === undefined) return true;
  const first = finding.line;
  const last = Math.max(first, finding.endLine ?? first);
  return ranges.some(([start, end]) => first <= end && last >= start);
}
