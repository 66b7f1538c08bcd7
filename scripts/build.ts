/**
 * Builds Alfred's standalone executables: `alfred` and one `alfred-<codename>`
 * per agent whose entry file exists, for each target, each compiled with
 * exactly the permissions runner/config/permissions.ts declares for it.
 *
 * Writes `dist/` with one `alfred-<target>.tar.gz` per target, `SHA256SUMS`
 * and `manifest.json` (binary → permissions, version, target). After each
 * compile it reads the permissions `deno compile` embedded in the output and
 * refuses to go on unless they equal the declaration.
 *
 * ```sh
 * ./scripts/deno.sh run -A scripts/build.ts                 # host target
 * ./scripts/deno.sh run -A scripts/build.ts --all-targets   # the release matrix
 * ./scripts/deno.sh run -A scripts/build.ts --offline       # DENORT_BIN = this deno
 * ```
 *
 * See docs/RELEASE.md for every flag.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { parse as parseYaml } from "yaml";
import {
  type BinaryDeclaration,
  customNeedsOf,
  declarationsOf,
  embeddedPermissionsOf,
  type EngineName,
  ENGINES,
  flagsOf,
  normaliseHost,
  type PermissionOptions,
  PermissionSet,
  sandboxHostsOf,
  slackHostsOf,
  wideFlagsIn,
} from "../runner/config/permissions.ts";
import { buildInfoModuleSource } from "../runner/config/build_info.ts";
import { AlfredError, ConfigError, UsageError } from "../runner/errors.ts";
import { runCapture } from "../runner/process.ts";
import meta from "../deno.json" with { type: "json" };

/** The targets of a release. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
] as const;
/** One of {@linkcode TARGETS}. */
export type Target = typeof TARGETS[number];

/** The repository root. */
export const REPO_ROOT: string = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Options of {@linkcode buildRelease}. */
export interface BuildOptions {
  /** Targets to build. Default: the host's. */
  targets?: readonly Target[];
  /** Only these binaries (e.g. `alfred`, `alfred-echo`). Default: every one whose entry exists. */
  binaries?: readonly string[];
  /** Output folder. Default `<repo>/dist`. */
  outDir?: string;
  /** Build without downloading the runtime: `DENORT_BIN` is this Deno (host target only). */
  offline?: boolean;
  /** Host, engine, file and custom-agent options of the permissions. */
  permissions?: PermissionOptions;
  /** `--bundle --minify` (default true); `--exclude-unused-npm` is always on. */
  bundle?: boolean;
  /** Type-check while compiling (default false: CI runs `deno check`). */
  check?: boolean;
  /** Write the `.tar.gz` archives and SHA256SUMS (default true). */
  archive?: boolean;
  /** The version to record. Default: deno.json's. */
  version?: string;
  /** The Deno binary that compiles. Default: this one. */
  deno?: string;
  /** Progress lines. Default: standard error. */
  log?: (line: string) => void;
}

/** One built binary in the manifest. */
export const BuiltBinary = z.strictObject({
  binary: z.string(),
  codename: z.string().nullable(),
  target: z.string(),
  entry: z.string(),
  file: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  permissions: PermissionSet,
  flags: z.array(z.string()),
});
/** Parsed {@linkcode BuiltBinary}. */
export type BuiltBinary = z.infer<typeof BuiltBinary>;

/** `dist/manifest.json`. */
export const BuildManifest = z.strictObject({
  version: z.string(),
  deno: z.string(),
  offline: z.boolean(),
  bundle: z.boolean(),
  binaries: z.array(BuiltBinary),
  archives: z.array(z.strictObject({
    target: z.string(),
    file: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })),
  /** Declared permissions of every binary, including those not built yet. */
  declared: z.record(z.string(), PermissionSet),
});
/** Parsed {@linkcode BuildManifest}. */
export type BuildManifest = z.infer<typeof BuildManifest>;

/**
 * The target this machine runs.
 *
 * @returns The host's target triple.
 * @throws {AlfredError} on an unsupported host.
 */
export function hostTarget(): Target {
  const target = Deno.build.target as Target;
  if (!TARGETS.includes(target)) {
    throw new AlfredError(`this host (${Deno.build.target}) is not a release target`, {
      hint: `Targets: ${TARGETS.join(", ")}.`,
    });
  }
  return target;
}

/**
 * The `deno compile` arguments of one binary (everything after `deno`).
 *
 * @param declaration The binary and its permissions.
 * @param options Target, output file, preload module, bundling, type-check.
 * @returns The arguments.
 */
export function compileArgsOf(
  declaration: BinaryDeclaration,
  options: { target: Target; output: string; preload: string; bundle: boolean; check: boolean },
): string[] {
  return [
    "compile",
    "--quiet",
    ...(options.check ? [] : ["--no-check"]),
    "--exclude-unused-npm",
    ...(options.bundle ? ["--bundle", "--minify"] : []),
    ...flagsOf(declaration.permissions),
    "--target",
    options.target,
    "--preload",
    options.preload,
    "--output",
    options.output,
    declaration.entry,
  ];
}

/**
 * Finds the metadata `deno compile` embeds in an executable (its `argv`,
 * `permissions`, `preload_modules`, ...).
 *
 * @param bytes The executable.
 * @returns The metadata object, or `undefined` when there is none.
 */
export function embeddedMetadataOf(bytes: Uint8Array): Record<string, unknown> | undefined {
  const needle = new TextEncoder().encode('{"argv":');
  let from = 0;
  while (true) {
    const at = indexOfBytes(bytes, needle, from);
    if (at < 0) return undefined;
    const end = jsonObjectEnd(bytes, at);
    if (end < 0) return undefined;
    const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(at, end));
    try {
      const value = JSON.parse(text);
      if (value && typeof value === "object" && "permissions" in value) return value;
    } catch (error) {
      // Not the metadata (the same bytes inside code): keep looking.
      if (!(error instanceof SyntaxError)) throw error;
    }
    from = at + 1;
  }
}

/**
 * Compares the permissions embedded in a binary with its declaration.
 *
 * @param metadata The embedded metadata ({@linkcode embeddedMetadataOf}).
 * @param set The declared set.
 * @returns One line per difference; empty when they are equal.
 */
export function permissionDifferences(
  metadata: Record<string, unknown>,
  set: PermissionSet,
): string[] {
  const embedded = { ...(metadata.permissions as Record<string, unknown>) };
  delete embedded.allow_import; // Deno's default list; deny_import [] overrides it.
  const expected = embeddedPermissionsOf(set);
  const keys = new Set([...Object.keys(embedded), ...Object.keys(expected)]);
  const differences: string[] = [];
  for (const key of [...keys].sort()) {
    const got = JSON.stringify(embedded[key] ?? null);
    const want = JSON.stringify(expected[key] ?? null);
    if (got !== want) differences.push(`${key}: embedded ${got}, declared ${want}`);
  }
  return differences;
}

/**
 * Builds the binaries, verifies their embedded permissions, and writes the
 * archives, `SHA256SUMS` and `manifest.json`.
 *
 * @param options Targets, binaries, output folder and permission options.
 * @returns The manifest written.
 * @throws {AlfredError} when a compile fails or a binary's permissions differ from its declaration.
 */
export async function buildRelease(options: BuildOptions = {}): Promise<BuildManifest> {
  const log = options.log ?? ((line: string) => console.error(line));
  const deno = options.deno ?? Deno.execPath();
  const outDir = options.outDir ?? `${REPO_ROOT}/dist`;
  const targets = options.targets ?? [hostTarget()];
  const bundle = options.bundle ?? true;
  const version = options.version ?? meta.version;
  if (options.offline && targets.some((target) => target !== Deno.build.target)) {
    throw new UsageError(`--offline builds only the host target (${Deno.build.target})`, {
      hint: "Offline builds reuse this Deno as the runtime; build other targets online.",
    });
  }
  const declarations = declarationsOf(options.permissions);
  const wanted = declarations.filter((declaration) =>
    options.binaries ? options.binaries.includes(declaration.binary) : true
  );
  for (const name of options.binaries ?? []) {
    if (!declarations.some((declaration) => declaration.binary === name)) {
      throw new UsageError(`unknown binary "${name}"`, {
        hint: `Binaries: ${declarations.map((declaration) => declaration.binary).join(", ")}.`,
      });
    }
  }
  const buildable = wanted.filter((declaration) => exists(`${REPO_ROOT}/${declaration.entry}`));
  for (const skipped of wanted.filter((declaration) => !buildable.includes(declaration))) {
    log(`skip ${skipped.binary}: ${skipped.entry} does not exist yet`);
  }
  await Deno.mkdir(outDir, { recursive: true });
  const preloadDir = await Deno.makeTempDir({ dir: outDir, prefix: ".preload-" });
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1" };
  if (options.offline) env.DENORT_BIN = deno;
  const binaries: BuiltBinary[] = [];
  const archives: BuildManifest["archives"] = [];
  try {
    for (const target of targets) {
      const stage = `${outDir}/${target}`;
      await Deno.mkdir(stage, { recursive: true });
      for (const declaration of buildable) {
        const flags = flagsOf(declaration.permissions);
        const wide = wideFlagsIn(flags);
        if (wide.length) {
          throw new AlfredError(`${declaration.binary}: refusing wide flags: ${wide.join("; ")}`, {
            hint: "Fix its declaration in runner/config/permissions.ts.",
          });
        }
        const output = `${stage}/${declaration.binary}`;
        const preload = `${preloadDir}/${target}-${declaration.binary}.js`;
        await Deno.writeTextFile(
          preload,
          buildInfoModuleSource({
            binary: declaration.binary,
            version,
            target,
            permissions: declaration.permissions,
          }),
        );
        const args = compileArgsOf(declaration, {
          target,
          output,
          preload,
          bundle,
          check: options.check ?? false,
        });
        const started = performance.now();
        const result = await runCapture(deno, args, { cwd: REPO_ROOT, env, timeoutMs: 600_000 });
        if (result.code !== 0) {
          throw new AlfredError(
            `deno compile of ${declaration.binary} for ${target} failed (exit ${result.code}): ${
              lastLines(result.stderr || result.stdout)
            }`,
            {
              hint: options.offline
                ? "Check that the entry type-checks and that npm packages are cached."
                : "deno compile downloads its runtime for each target; check the network, " +
                  "or build the host target with --offline.",
            },
          );
        }
        const bytes = await Deno.readFile(output);
        const metadata = embeddedMetadataOf(bytes);
        if (!metadata) {
          throw new AlfredError(`${output}: no embedded metadata found`, {
            hint: "The Deno version may embed its metadata differently; check scripts/build.ts.",
          });
        }
        const differences = permissionDifferences(metadata, declaration.permissions);
        if (differences.length) {
          throw new AlfredError(
            `${declaration.binary}: embedded permissions differ from the declaration: ${
              differences.join("; ")
            }`,
            { hint: "Fix flagsOf() in runner/config/permissions.ts." },
          );
        }
        binaries.push({
          binary: declaration.binary,
          codename: declaration.codename ?? null,
          target,
          entry: declaration.entry,
          file: `${target}/${declaration.binary}`,
          size: bytes.length,
          sha256: await sha256Hex(bytes),
          permissions: declaration.permissions,
          flags,
        });
        log(
          `built ${target}/${declaration.binary} (${formatSize(bytes.length)}, ${
            ((performance.now() - started) / 1000).toFixed(1)
          } s)`,
        );
      }
      if (options.archive ?? true) {
        const names = buildable.map((declaration) => declaration.binary);
        archives.push({ target, ...(await writeArchive(outDir, target, names)) });
        log(`archived ${archives[archives.length - 1].file}`);
      }
    }
  } finally {
    await Deno.remove(preloadDir, { recursive: true });
  }
  if (archives.length) {
    await Deno.writeTextFile(
      `${outDir}/SHA256SUMS`,
      archives.map((archive) => `${archive.sha256}  ${archive.file}\n`).join(""),
    );
  }
  const manifest: BuildManifest = {
    version,
    deno: Deno.version.deno,
    offline: options.offline ?? false,
    bundle,
    binaries,
    archives,
    declared: Object.fromEntries(
      declarations.map((declaration) => [declaration.binary, declaration.permissions]),
    ),
  };
  await Deno.writeTextFile(`${outDir}/manifest.json`, JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

/**
 * Packs the binaries of one target into `alfred-<target>.tar.gz` (files at the top level).
 *
 * @param outDir The output folder; the binaries are in `<outDir>/<target>/`.
 * @param target The target.
 * @param names The binaries to pack.
 * @returns The archive's file name (relative to `outDir`) and SHA-256.
 * @throws {AlfredError} when `tar` fails.
 */
export async function writeArchive(
  outDir: string,
  target: string,
  names: readonly string[],
): Promise<{ file: string; sha256: string }> {
  const file = `alfred-${target}.tar.gz`;
  const result = await runCapture(
    "tar",
    ["-czf", `${outDir}/${file}`, "-C", `${outDir}/${target}`, ...names],
    { cwd: outDir, env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" }, timeoutMs: 600_000 },
  );
  if (result.code !== 0) {
    throw new AlfredError(`tar failed for ${file}: ${lastLines(result.stderr)}`, {
      hint: "Check that tar and gzip are installed and the output folder is writable.",
    });
  }
  return { file, sha256: await sha256Hex(await Deno.readFile(`${outDir}/${file}`)) };
}

/**
 * The SHA-256 of some bytes, as lower-case hex.
 *
 * @param bytes The data.
 * @returns 64 hex digits.
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Parses the command line of `scripts/build.ts`.
 *
 * @param args The arguments.
 * @param options Environment (`ALFRED_BUILD_GITHUB_HOST`) and a file reader for `--fleet`.
 * @returns The build options, or `undefined` when `--help` was asked.
 * @throws {UsageError} for a bad flag; {@linkcode ConfigError} for a bad value.
 */
export function parseBuildArgs(
  args: string[],
  options: { env: (name: string) => string | undefined; readFile: (path: string) => string },
): BuildOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: "boolean", short: "h" },
        target: { type: "string", multiple: true },
        "all-targets": { type: "boolean" },
        binary: { type: "string", multiple: true },
        out: { type: "string" },
        offline: { type: "boolean" },
        "github-host": { type: "string" },
        "sentry-host": { type: "string" },
        "slack-api-url": { type: "string" },
        engines: { type: "string" },
        "fs-allow": { type: "string" },
        fleet: { type: "string" },
        "no-bundle": { type: "boolean" },
        "no-archive": { type: "boolean" },
        check: { type: "boolean" },
        version: { type: "string" },
      },
    }));
  } catch (error) {
    throw new UsageError(`build: ${(error as Error).message}`, { cause: error });
  }
  if (values.help) return undefined;
  const targets = values["all-targets"] ? [...TARGETS] : values.target?.map((target) => {
    if (!TARGETS.includes(target as Target)) {
      throw new UsageError(`unknown target "${target}"`, {
        hint: `Targets: ${TARGETS.join(", ")}.`,
      });
    }
    return target as Target;
  });
  const githubHost = values["github-host"] ??
    (options.env("ALFRED_BUILD_GITHUB_HOST") || undefined);
  const sentryHost = values["sentry-host"] ??
    (options.env("ALFRED_BUILD_SENTRY_HOST") || undefined);
  const slackApiUrl = values["slack-api-url"] ??
    (options.env("ALFRED_BUILD_SLACK_API_URL") || undefined);
  if (slackApiUrl) slackHostsOf(slackApiUrl);
  const engines = values.engines?.split(",").map((name) => name.trim()).filter(Boolean);
  for (const engine of engines ?? []) {
    if (!ENGINES.includes(engine as EngineName)) {
      throw new UsageError(`unknown engine "${engine}"`, {
        hint: `Engines: ${ENGINES.join(", ")}.`,
      });
    }
  }
  let custom: PermissionOptions["custom"];
  let sandboxHosts: PermissionOptions["sandboxHosts"];
  if (values.fleet) {
    const file = values.fleet;
    const fleet = parseFleet(options.readFile(file), file);
    custom = customNeedsOf(fleet, { file });
    sandboxHosts = sandboxHostsOf(fleet, { file });
  }
  return {
    targets,
    binaries: values.binary,
    outDir: values.out,
    offline: values.offline ?? false,
    bundle: !values["no-bundle"],
    archive: !values["no-archive"],
    check: values.check ?? false,
    version: values.version,
    permissions: {
      githubHost: githubHost ? normaliseHost(githubHost) : undefined,
      ...(sentryHost ? { sentryHost: normaliseHost(sentryHost) } : {}),
      ...(slackApiUrl ? { slackApiUrl } : {}),
      engines: engines as EngineName[] | undefined,
      fsPaths: values["fs-allow"]?.split(",").map((path) => path.trim()).filter(Boolean),
      custom,
      sandboxHosts,
    },
  };
}

/** The usage text of `scripts/build.ts`. */
export const BUILD_USAGE = `Usage: deno task build [options]

  --target T            a target (repeatable); default: this host's
  --all-targets         ${TARGETS.join(", ")}
  --binary NAME         only this binary (repeatable), e.g. alfred, alfred-echo
  --out DIR             output folder (default dist/)
  --offline             use this Deno as the runtime (DENORT_BIN); host target only
  --github-host HOST    GitHub Enterprise API host (env ALFRED_BUILD_GITHUB_HOST)
  --sentry-host HOST    self-hosted Sentry API host for Gordon (env ALFRED_BUILD_SENTRY_HOST)
  --slack-api-url URL   Slack Web API base URL (env ALFRED_BUILD_SLACK_API_URL); its host
                        serves Socket Mode too unless it is slack.com
  --engines LIST        engines the agents may run (default claude,codex)
  --fs-allow PATHS      limit file access to these absolute paths (one-machine builds)
  --fleet FILE          read custom agents' programs/hosts/env and every agent's sandbox
                        hosts (network:, Huntress's staging_url) from this fleet.yaml
  --no-bundle           skip --bundle --minify (--exclude-unused-npm stays on)
  --no-archive          compile only: no .tar.gz or SHA256SUMS
  --check               type-check while compiling
  --version V           version to record (default: deno.json's)

See docs/RELEASE.md.`;

function parseFleet(text: string, file: string): unknown {
  try {
    return parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${file}: invalid YAML: ${(error as Error).message.split("\n")[0]}`, {
      hint: "Fix the YAML syntax, then run the build again.",
      cause: error,
    });
  }
}

/** The index just past the JSON object that starts at `start` (strings and escapes respected). */
function jsonObjectEnd(bytes: Uint8Array, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === 0x5c) i++; // backslash: skip the escaped byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) {
      inString = true;
    } else if (byte === 0x7b || byte === 0x5b) {
      depth++;
    } else if (byte === 0x7d || byte === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  let at = haystack.indexOf(first, from);
  while (at >= 0 && at + needle.length <= haystack.length) {
    let match = true;
    for (let i = 1; i < needle.length; i++) {
      if (haystack[at + i] !== needle[i]) {
        match = false;
        break;
      }
    }
    if (match) return at;
    at = haystack.indexOf(first, at + 1);
  }
  return -1;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function lastLines(text: string): string {
  return text.trim().split("\n").slice(-5).join(" | ");
}

/**
 * Formats a byte count as MiB.
 *
 * @param bytes The size.
 * @returns e.g. `97.3 MiB`.
 */
export function formatSize(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

if (import.meta.main) {
  const { formatError, exitCodeOf } = await import("../runner/errors.ts");
  try {
    const options = parseBuildArgs(Deno.args, {
      env: (name) => Deno.env.get(name),
      readFile: (path) => Deno.readTextFileSync(path),
    });
    if (!options) {
      console.log(BUILD_USAGE);
    } else {
      const { program, requirePrerequisites } = await import("./prerequisites.ts");
      requirePrerequisites(
        "deno task build",
        options.archive === false ? [] : [program("tar"), program("gzip")],
      );
      const manifest = await buildRelease(options);
      for (const binary of manifest.binaries) {
        console.log(`${binary.target}\t${binary.binary}\t${binary.size}`);
      }
    }
  } catch (error) {
    console.error(formatError(error));
    Deno.exit(exitCodeOf(error));
  }
}
