/**
 * Test coverage for Bane: read a coverage report (lcov `lcov.info`, as written
 * by `deno coverage --lcov`, c8/nyc/istanbul, `pytest --cov-report=lcov`,
 * `cargo llvm-cov --lcov`, `go tool`-to-lcov converters…) and choose the
 * recently changed file with the lowest line coverage.
 *
 * Paths in a report are absolute (the machine that ran the tests), relative,
 * or `file://` URLs; a repository file is matched to a report entry by whole
 * path segments from the end (`src/a.ts` matches `/ci/build/repo/src/a.ts`,
 * never `/x/lib-src/a.ts`), the longest entry path winning.
 *
 * Everything here but {@linkcode readLcovFile} is pure.
 *
 * @module
 */
import { z } from "zod";
import { AlfredError } from "../errors.ts";

/** Line coverage of one file of a report. */
export const FileCoverage = z.strictObject({
  /** The path as the report names it (a `file://` URL turned into a path). */
  path: z.string().min(1),
  /** Instrumented lines. */
  linesFound: z.number().int().nonnegative(),
  /** Instrumented lines run at least once. */
  linesHit: z.number().int().nonnegative(),
}).refine((file) => file.linesHit <= file.linesFound, {
  message: "more lines hit than found",
});
/** Parsed {@linkcode FileCoverage}. */
export type FileCoverage = z.infer<typeof FileCoverage>;

/** A coverage report could not be read. */
export class CoverageReportError extends AlfredError {
  /**
   * Creates a {@linkcode CoverageReportError}.
   *
   * @param message What is wrong, with the file and line.
   * @param options The cause, if any.
   */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, {
      hint: "Regenerate the report in lcov format (e.g. `deno coverage --lcov > lcov.info`, " +
        "`c8 --reporter=lcov`, `pytest --cov-report=lcov`) or fix coverage_report in fleet.yaml.",
      cause: options.cause,
    });
    this.name = "CoverageReportError";
  }
}

/**
 * Parses an lcov tracefile. `LF`/`LH` are used when present, else the `DA`
 * lines are counted; a file listed twice (several test runs) is merged line by line.
 *
 * @param text The tracefile's text.
 * @param options `source` names the file in errors.
 * @returns One entry per source file, in order of first appearance.
 * @throws {CoverageReportError} when a record is malformed or never ended.
 */
export function parseLcov(text: string, options: { source?: string } = {}): FileCoverage[] {
  const source = options.source ?? "lcov";
  const byPath = new Map<string, Map<number, number>>();
  const summary = new Map<string, { found: number; hit: number }>();
  let current: { path: string; lines: Map<number, number>; lf?: number; lh?: number } | undefined;
  const fail = (line: number, message: string) =>
    new CoverageReportError(`${source}:${line}: ${message}`);
  const count = (value: string, line: number, what: string) => {
    if (!/^\d+$/.test(value)) throw fail(line, `${what} must be a whole number (got "${value}")`);
    return Number(value);
  };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const no = i + 1;
    if (!line) continue;
    if (line === "end_of_record") {
      if (!current) throw fail(no, "end_of_record without SF:");
      const merged = byPath.get(current.path) ?? new Map<number, number>();
      for (const [n, hits] of current.lines) merged.set(n, Math.max(merged.get(n) ?? 0, hits));
      byPath.set(current.path, merged);
      if (current.lf !== undefined && current.lh !== undefined && current.lines.size === 0) {
        const before = summary.get(current.path);
        summary.set(current.path, {
          found: Math.max(before?.found ?? 0, current.lf),
          hit: Math.max(before?.hit ?? 0, current.lh),
        });
      }
      current = undefined;
      continue;
    }
    const colon = line.indexOf(":");
    const key = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1);
    if (key === "SF") {
      if (current) throw fail(no, `SF: before end_of_record of ${current.path}`);
      if (!value) throw fail(no, "SF: without a path");
      current = { path: pathOfSource(value), lines: new Map() };
    } else if (key === "DA") {
      if (!current) throw fail(no, "DA: outside a record");
      const [lineNo, hits] = value.split(",");
      const n = count(lineNo ?? "", no, "DA line number");
      // Some tools write negative or fractional hit counts for unreachable lines: treat as 0.
      const h = /^\d+$/.test(hits ?? "") ? Number(hits) : 0;
      current.lines.set(n, Math.max(current.lines.get(n) ?? 0, h));
    } else if (key === "LF" || key === "LH") {
      if (!current) throw fail(no, `${key}: outside a record`);
      current[key === "LF" ? "lf" : "lh"] = count(value, no, key);
    } else if (!/^[A-Z]{2,5}$/.test(key)) {
      throw fail(no, `not an lcov line: "${line.slice(0, 80)}"`);
    }
  }
  if (current) throw fail(lines.length, `the record of ${current.path} has no end_of_record`);
  const out: FileCoverage[] = [];
  for (const [path, hits] of byPath) {
    const fromLines = hits.size > 0;
    const found = fromLines ? hits.size : summary.get(path)?.found ?? 0;
    const hit = fromLines
      ? [...hits.values()].filter((h) => h > 0).length
      : summary.get(path)?.hit ?? 0;
    const parsed = FileCoverage.safeParse({ path, linesFound: found, linesHit: hit });
    if (!parsed.success) {
      throw new CoverageReportError(`${source}: ${path}: ${parsed.error.issues[0].message}`);
    }
    out.push(parsed.data);
  }
  return out;
}

function pathOfSource(value: string): string {
  if (value.startsWith("file://")) {
    try {
      return decodeURIComponent(new URL(value).pathname);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
    }
  }
  return value.replaceAll("\\", "/");
}

/**
 * Line coverage in percent (pure); a file with no instrumented line counts as 100.
 *
 * @param file The file's coverage.
 * @returns 0 to 100.
 */
export function percentOf(file: Pick<FileCoverage, "linesFound" | "linesHit">): number {
  return file.linesFound === 0 ? 100 : (100 * file.linesHit) / file.linesFound;
}

/**
 * Finds a repository file in a report (pure): the entry whose path ends with
 * the file's path on a segment boundary; the longest such entry wins.
 *
 * @param report The parsed report.
 * @param path The file, relative to the repository root.
 * @returns The entry, or `undefined` when the report does not list the file.
 */
export function coverageOf(
  report: readonly FileCoverage[],
  path: string,
): FileCoverage | undefined {
  const wanted = path.replace(/^\.\//, "");
  let best: FileCoverage | undefined;
  for (const entry of report) {
    const name = entry.path.replace(/^\.\//, "");
    if (name === wanted || name.endsWith(`/${wanted}`)) {
      if (!best || entry.path.length > best.path.length) best = entry;
    }
  }
  return best;
}

/** File name endings Bane considers source code. */
export const SOURCE_EXTENSIONS: readonly string[] = [
  ".ts",
  ".tsx",
  ".mts",
  ".cts",
  ".js",
  ".jsx",
  ".mjs",
  ".cjs",
  ".py",
  ".go",
  ".rs",
  ".rb",
  ".java",
  ".kt",
  ".swift",
  ".c",
  ".cc",
  ".cpp",
  ".h",
  ".hpp",
  ".cs",
  ".php",
  ".scala",
  ".ex",
];

/**
 * Whether a path is source code that tests could cover (pure): a source
 * extension, and not a test, fixture, declaration, generated or vendored file.
 *
 * @param path A repository-relative path.
 * @returns `true` for a candidate.
 */
export function isSourceFile(path: string): boolean {
  const lower = path.toLowerCase();
  if (!SOURCE_EXTENSIONS.some((ext) => lower.endsWith(ext))) return false;
  if (lower.endsWith(".d.ts")) return false;
  const segments = lower.split("/");
  const name = segments.at(-1) ?? "";
  const dirs = segments.slice(0, -1);
  const skipDirs = [
    "test",
    "tests",
    "__tests__",
    "spec",
    "specs",
    "testdata",
    "fixtures",
    "__mocks__",
    "node_modules",
    "vendor",
    "dist",
    "build",
    "generated",
    ".github",
  ];
  if (dirs.some((dir) => skipDirs.includes(dir))) return false;
  return !/(^test_|_test\.|\.test\.|\.spec\.|_spec\.|^conftest\.py$|\.config\.[cm]?[jt]s$)/.test(
    name,
  );
}

/** A file Bane could write tests for. */
export interface CoverageCandidate {
  /** Repository-relative path. */
  path: string;
  /** Line coverage in percent; 0 for a source file the report does not list. */
  percent: number;
  /** Instrumented lines (0 when not in the report). */
  linesFound: number;
  /** Whether the report lists it. */
  inReport: boolean;
}

/** Inputs of {@linkcode rankTargets}. */
export interface TargetInput {
  /** Files changed recently (repository-relative, existing on the base branch). */
  changed: readonly string[];
  /** The parsed report. */
  report: readonly FileCoverage[];
  /** Files at or above this percent are left out. */
  below: number;
  /** Files another firing is working on (open pull request or a lock), left out. */
  busy: readonly string[];
}

/**
 * Ranks the recently changed source files by coverage, lowest first (pure).
 * Ties go to the file with more instrumented lines (more to gain), then by
 * path. A source file the report does not list counts as 0 % (no test loads it).
 *
 * @param input Changed files, report, threshold and busy files.
 * @returns The candidates, best target first; empty when there is none.
 */
export function rankTargets(input: TargetInput): CoverageCandidate[] {
  const busy = new Set(input.busy);
  const seen = new Set<string>();
  const out: CoverageCandidate[] = [];
  for (const raw of input.changed) {
    const path = raw.replace(/^\.\//, "");
    if (seen.has(path) || busy.has(path) || !isSourceFile(path)) continue;
    seen.add(path);
    const entry = coverageOf(input.report, path);
    const candidate = entry
      ? { path, percent: percentOf(entry), linesFound: entry.linesFound, inReport: true }
      : { path, percent: 0, linesFound: 0, inReport: false };
    if (candidate.percent < input.below) out.push(candidate);
  }
  return out.sort((a, b) =>
    a.percent - b.percent || b.linesFound - a.linesFound || a.path.localeCompare(b.path)
  );
}

/**
 * A short, branch-safe name for a file (pure): `src/lib/parse.ts` → `src-lib-parse-ts`,
 * at most 48 characters (the end of the path is kept).
 *
 * @param path A repository-relative path.
 * @returns Lower-case letters, digits and dashes.
 */
export function targetSlug(path: string): string {
  const slug = path.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return (slug.length > 48 ? slug.slice(-48).replace(/^-+/, "") : slug) || "file";
}

/**
 * Reads and parses an lcov file.
 *
 * @param path The file.
 * @returns The report, or `undefined` when the file does not exist.
 * @throws {CoverageReportError} when it cannot be read or parsed.
 */
export async function readLcovFile(path: string): Promise<FileCoverage[] | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new CoverageReportError(`${path}: cannot read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseLcov(text, { source: path });
}
