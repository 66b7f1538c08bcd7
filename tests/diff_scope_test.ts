/**
 * Which findings point inside a pull request's diff (runner/git/diff_scope.ts), as tables.
 */
import { assertEquals } from "./support/assert.ts";
import { diffScopeOf, hunkRanges, isInDiff } from "../runner/git/diff_scope.ts";

Deno.test("hunk ranges are the new side of each hunk, context included", () => {
  const cases: [string, [number, number][]][] = [
    ["@@ -1,3 +1,4 @@\n a\n+b\n c\n d", [[1, 4]]],
    ["@@ -10,7 +12,8 @@ function x() {\n ctx\n@@ -40 +42 @@\n-a\n+b", [[12, 19], [42, 42]]],
    ["@@ -1,5 +0,0 @@\n-a\n-b\n-c\n-d\n-e", []],
    ["not a patch", []],
  ];
  for (const [patch, ranges] of cases) assertEquals(hunkRanges(patch), ranges, patch);
});

Deno.test("a finding is in the diff when its file changed and one of its lines is in a hunk", () => {
  const scope = diffScopeOf([
    { filename: "src/math.js", status: "modified", patch: "@@ -1,4 +1,4 @@\n a\n-b\n+c\n d\n e" },
    { filename: "assets/logo.png", status: "added" },
    { filename: "old.js", status: "removed", patch: "@@ -1,2 +0,0 @@\n-a\n-b" },
    { filename: "src/far.js", status: "modified", patch: "@@ -100,3 +100,3 @@\n a\n-b\n+c\n d" },
  ]);
  const cases: [string, { path?: string; line?: number; endLine?: number }, boolean][] = [
    ["a changed line", { path: "src/math.js", line: 2 }, true],
    ["a context line", { path: "src/math.js", line: 4 }, true],
    ["past the hunk", { path: "src/math.js", line: 9 }, false],
    ["a range reaching into the hunk", { path: "src/math.js", line: 3, endLine: 12 }, true],
    ["the file, no line", { path: "src/math.js" }, true],
    ["a ./ path", { path: "./src/math.js", line: 2 }, true],
    ["a file GitHub gave no patch for", { path: "assets/logo.png", line: 7 }, true],
    ["a file the pull request never touched", { path: "package.json", line: 1 }, false],
    ["a removed file", { path: "old.js" }, false],
    ["before a far hunk", { path: "src/far.js", line: 3 }, false],
    ["a general finding", {}, false],
  ];
  for (const [name, finding, want] of cases) assertEquals(isInDiff(finding, scope), want, name);
});
