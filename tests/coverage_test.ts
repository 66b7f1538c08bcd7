/**
 * Coverage reports (runner/git/coverage.ts): lcov parsing, path matching, the
 * source-file filter and the choice of Bane's target, as tables of cases,
 * plus a report written by the real `deno coverage --lcov`.
 */
import { assert, assertEquals, assertThrows } from "./support/assert.ts";
import {
  coverageOf,
  CoverageReportError,
  type FileCoverage,
  isSourceFile,
  parseLcov,
  percentOf,
  rankTargets,
  readLcovFile,
  targetSlug,
} from "../runner/git/coverage.ts";

const LCOV = `TN:
SF:/ci/build/web/src/math.ts
FN:1,add
FNDA:3,add
DA:1,3
DA:2,3
DA:5,0
DA:6,0
LF:4
LH:2
end_of_record
SF:file:///ci/build/web/src/strings.ts
LF:10
LH:9
end_of_record
SF:lib/empty.js
LF:0
LH:0
end_of_record
SF:/ci/build/web/src/math.ts
DA:5,1
DA:6,0
end_of_record
`;

Deno.test("lcov records become line counts: DA lines win, LF/LH otherwise, repeated files merge", () => {
  assertEquals(parseLcov(LCOV), [
    { path: "/ci/build/web/src/math.ts", linesFound: 4, linesHit: 3 },
    { path: "/ci/build/web/src/strings.ts", linesFound: 10, linesHit: 9 },
    { path: "lib/empty.js", linesFound: 0, linesHit: 0 },
  ]);
});

Deno.test("a malformed lcov file is rejected with its file and line", () => {
  const cases: [string, RegExp][] = [
    ["SF:a.ts\nDA:x,1\nend_of_record\n", /r\.info:2: DA line number must be a whole number/],
    ["DA:1,1\n", /r\.info:1: DA: outside a record/],
    ["SF:a.ts\nDA:1,1\n", /the record of a\.ts has no end_of_record/],
    ["SF:a.ts\nSF:b.ts\n", /r\.info:2: SF: before end_of_record of a\.ts/],
    ["<html>oops</html>\n", /not an lcov line/],
    ["SF:a.ts\nLF:1\nLH:5\nend_of_record\n", /more lines hit than found/],
  ];
  for (const [text, pattern] of cases) {
    const error = assertThrows(() => parseLcov(text, { source: "r.info" }), CoverageReportError);
    assert(pattern.test(error.message), `${text}: ${error.message}`);
  }
});

Deno.test("a repository path matches a report entry on whole segments, the longest entry winning", () => {
  const report: FileCoverage[] = [
    { path: "/x/lib-src/a.ts", linesFound: 1, linesHit: 1 },
    { path: "/ci/repo/src/a.ts", linesFound: 2, linesHit: 0 },
    { path: "src/b.ts", linesFound: 2, linesHit: 2 },
  ];
  const cases: [string, string | undefined][] = [
    ["src/a.ts", "/ci/repo/src/a.ts"],
    ["./src/b.ts", "src/b.ts"],
    ["a.ts", "/ci/repo/src/a.ts"],
    ["rc/a.ts", undefined],
    ["src/c.ts", undefined],
  ];
  for (const [path, expected] of cases) {
    assertEquals(coverageOf(report, path)?.path, expected, path);
  }
  assertEquals(percentOf({ linesFound: 0, linesHit: 0 }), 100);
  assertEquals(percentOf({ linesFound: 4, linesHit: 1 }), 25);
});

Deno.test("only source files that are not tests, fixtures, declarations or vendored are candidates", () => {
  const cases: [string, boolean][] = [
    ["src/math.ts", true],
    ["runner/config/config.ts", true],
    ["app/models/user.rb", true],
    ["pkg/server.go", true],
    ["README.md", false],
    ["src/types.d.ts", false],
    ["tests/math_test.ts", false],
    ["src/math.test.ts", false],
    ["src/math.spec.js", false],
    ["pkg/server_test.go", false],
    ["test_app.py", false],
    ["src/__tests__/x.js", false],
    ["node_modules/x/index.js", false],
    ["vite.config.ts", false],
    ["deno.json", false],
  ];
  for (const [path, expected] of cases) assertEquals(isSourceFile(path), expected, path);
});

Deno.test("the target is the changed source file with the lowest coverage, below the threshold and not busy", () => {
  const report: FileCoverage[] = [
    { path: "/r/src/a.ts", linesFound: 10, linesHit: 5 },
    { path: "/r/src/b.ts", linesFound: 10, linesHit: 9 },
    { path: "/r/src/c.ts", linesFound: 40, linesHit: 20 },
    { path: "/r/src/d.ts", linesFound: 10, linesHit: 1 },
  ];
  const cases: {
    name: string;
    changed: string[];
    busy?: string[];
    below?: number;
    want: string[];
  }[] = [
    {
      name: "lowest first; a tie goes to more lines; unlisted counts as 0",
      changed: ["src/a.ts", "src/b.ts", "src/c.ts", "src/new.ts", "README.md"],
      want: ["src/new.ts", "src/c.ts", "src/a.ts"],
    },
    {
      name: "busy files are left out",
      changed: ["src/d.ts", "src/a.ts"],
      busy: ["src/d.ts"],
      want: ["src/a.ts"],
    },
    {
      name: "the threshold",
      changed: ["src/a.ts", "src/b.ts"],
      below: 95,
      want: ["src/a.ts", "src/b.ts"],
    },
    { name: "duplicates once", changed: ["src/d.ts", "./src/d.ts"], want: ["src/d.ts"] },
    { name: "nothing changed", changed: [], want: [] },
    { name: "tests only", changed: ["tests/a_test.ts"], want: [] },
  ];
  for (const c of cases) {
    const ranked = rankTargets({
      changed: c.changed,
      report,
      below: c.below ?? 80,
      busy: c.busy ?? [],
    });
    assertEquals(ranked.map((r) => r.path), c.want, c.name);
  }
});

Deno.test("a target slug is short, branch-safe and keeps the end of the path", () => {
  const cases: [string, string][] = [
    ["src/lib/parse.ts", "src-lib-parse-ts"],
    ["A B/C__d.PY", "a-b-c-d-py"],
    ["___", "file"],
    [`${"deep/".repeat(20)}leaf.ts`, "deep-deep-deep-deep-deep-deep-deep-deep-leaf-ts"],
  ];
  for (const [path, slug] of cases) {
    assertEquals(targetSlug(path), slug, path);
    assert(targetSlug(path).length <= 48);
  }
});

Deno.test("a report written by the real deno coverage --lcov parses, and a missing one reads as undefined", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alfred-coverage-" });
  try {
    await Deno.mkdir(`${dir}/src`);
    await Deno.writeTextFile(
      `${dir}/src/math.ts`,
      "export function add(a: number, b: number): number {\n  return a + b;\n}\n\n" +
        "export function sub(a: number, b: number): number {\n  return a - b;\n}\n",
    );
    await Deno.writeTextFile(
      `${dir}/math_test.ts`,
      'import { add } from "./src/math.ts";\nDeno.test("add", () => {\n  if (add(1, 2) !== 3) throw new Error();\n});\n',
    );
    const run = (args: string[]) =>
      new Deno.Command(Deno.execPath(), { args, cwd: dir, stdout: "piped", stderr: "piped" })
        .output();
    const test = await run([
      "test",
      "--no-check",
      "--quiet",
      "--no-config",
      `--coverage=${dir}/cov`,
      "math_test.ts",
    ]);
    assertEquals(test.code, 0, new TextDecoder().decode(test.stderr));
    const lcov = await run(["coverage", "--lcov", `--output=${dir}/lcov.info`, `${dir}/cov`]);
    assertEquals(lcov.code, 0, new TextDecoder().decode(lcov.stderr));
    const report = await readLcovFile(`${dir}/lcov.info`);
    assert(report);
    const math = coverageOf(report, "src/math.ts");
    assert(math, JSON.stringify(report));
    assert(math.linesFound > 0 && math.linesHit > 0 && math.linesHit < math.linesFound);
    assertEquals(await readLcovFile(`${dir}/missing.info`), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
