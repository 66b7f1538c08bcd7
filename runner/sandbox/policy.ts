/**
 * What the sandboxed engine may see and change, independent of the platform:
 * the file policy that `bwrap.ts` (Linux) and `seatbelt.ts` (macOS) turn into
 * their own syntax, and the parts of a git repository that a commit in a linked
 * worktree needs (measured with git 2.39, see docs/SANDBOX.md).
 *
 * @module
 */
import { dirnameOf } from "../paths.ts";

/** A path the engine must not see, with its kind (masks differ for files and folders). */
export interface DeniedPath {
  /** Absolute path. */
  path: string;
  /** `dir` is masked with an empty folder, `file` with an empty file. */
  kind: "dir" | "file";
}

/** The platform-neutral file rules of one sandboxed run. */
export interface FilePolicy {
  /** The worktree: writable, and the working directory. */
  worktree: string;
  /** Readable, not writable (the git common dir, engine programs, git config). */
  readOnly: string[];
  /** Readable and writable (worktree, git parts, engine config folders), applied after `readOnly`. */
  writable: string[];
  /** Read-only again, on top of `writable` (e.g. `.git/hooks` of a main checkout). */
  protect: string[];
  /** Folders replaced by an empty one before `writable` is applied (other worktrees' admin dirs). */
  emptied: string[];
  /** The operator's home: replaced by an empty folder. */
  home: string;
  /** Hidden even when they lie inside a bound path; applied last. */
  denied: DeniedPath[];
}

/** The parts of a git repository a linked worktree uses. */
export interface GitWorktreeParts {
  /** The repository's common dir (the main `.git`). */
  commonDir: string;
  /** The worktree's own admin dir, `<common>/worktrees/<name>`, or the common dir itself. */
  adminDir: string;
  /** The checked-out branch (`refs/heads/...`), if HEAD is on a branch. */
  branchRef: string | undefined;
  /** True when `.git` in the worktree is a folder (not a linked worktree). */
  isMainCheckout: boolean;
}

/** Files under the home folder that hold credentials. Hidden on both platforms. */
export const CREDENTIAL_PATHS: readonly DeniedPath[] = [
  { path: ".ssh", kind: "dir" },
  { path: ".aws", kind: "dir" },
  { path: ".gnupg", kind: "dir" },
  { path: ".config/gh", kind: "dir" },
  { path: ".config/gcloud", kind: "dir" },
  { path: ".docker", kind: "dir" },
  { path: ".kube", kind: "dir" },
  { path: ".git-credentials", kind: "file" },
  { path: ".netrc", kind: "file" },
  { path: ".npmrc", kind: "file" },
];

/** A folder's `.git` is neither a git folder nor a worktree pointer. */
export class NotAWorktreeError extends Error {
  /**
   * Creates a {@linkcode NotAWorktreeError}.
   *
   * @param message What was found.
   */
  constructor(message: string) {
    super(message);
    this.name = "NotAWorktreeError";
  }
}

/**
 * Reads where a worktree's git data lives: the `.git` file's `gitdir:`, the
 * admin dir's `commondir`, and the branch in its `HEAD`.
 *
 * Requires read access to the worktree and its git dirs.
 *
 * @param worktree The worktree folder.
 * @returns The common dir, admin dir and branch.
 * @throws {Deno.errors.NotFound} when the folder has no `.git` or its admin dir is gone.
 * @throws {NotAWorktreeError} when its `.git` file is not a worktree pointer.
 */
export async function readGitWorktreeParts(worktree: string): Promise<GitWorktreeParts> {
  const dotGit = `${worktree}/.git`;
  const info = await Deno.stat(dotGit);
  if (info.isDirectory) {
    return {
      commonDir: dotGit,
      adminDir: dotGit,
      branchRef: branchOf(await Deno.readTextFile(`${dotGit}/HEAD`)),
      isMainCheckout: true,
    };
  }
  const pointer = /^gitdir:\s*(.+)$/m.exec(await Deno.readTextFile(dotGit));
  if (!pointer) {
    throw new NotAWorktreeError(`${dotGit} is not a git worktree pointer ("gitdir: ..." missing)`);
  }
  const adminDir = await Deno.realPath(resolveFrom(worktree, pointer[1].trim()));
  let commonDir = adminDir;
  try {
    const common = (await Deno.readTextFile(`${adminDir}/commondir`)).trim();
    commonDir = await Deno.realPath(resolveFrom(adminDir, common));
  } catch (error) {
    // A separate git dir (`git init --separate-git-dir`) has no commondir.
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return {
    commonDir,
    adminDir,
    branchRef: branchOf(await Deno.readTextFile(`${adminDir}/HEAD`)),
    isMainCheckout: false,
  };
}

/**
 * The git paths a commit from the worktree writes, and the read-only rest.
 *
 * Measured: `git add` + `git commit` in a linked worktree writes
 * `worktrees/<name>/` (index, HEAD, logs/HEAD, locks), `objects/`, the branch's
 * ref file with its `.lock` next to it, and its reflog. So the *folder* holding
 * the branch ref is writable: with Alfred's `alfred/<agent>/<issue>` branches
 * that is `refs/heads/alfred/<agent>/`, and every other branch, the config and
 * the hooks stay read-only.
 *
 * A main checkout (`.git` is a folder) is not what Alfred makes; for it the
 * whole `.git` is writable except `hooks/` and `config`, which are bound
 * read-only again on top.
 *
 * @param parts Where the worktree's git data lives.
 * @returns `readOnly` (the whole common dir), `writable` (the parts above),
 *   `protect` (read-only again on top of `writable`), the folders that must
 *   exist before they can be bound, and the folder of the other worktrees'
 *   admin dirs, to hide.
 */
export function gitWritableParts(parts: GitWorktreeParts): GitBindings {
  const { commonDir, adminDir, branchRef } = parts;
  if (parts.isMainCheckout) {
    return {
      readOnly: [commonDir],
      writable: [commonDir],
      protect: [`${commonDir}/hooks`, `${commonDir}/config`],
      mustExist: [],
      otherWorktrees: undefined,
    };
  }
  const writable = [`${commonDir}/objects`, adminDir];
  const mustExist: string[] = [];
  if (branchRef) {
    const refDir = dirnameOf(`${commonDir}/${branchRef}`);
    const logDir = dirnameOf(`${commonDir}/logs/${branchRef}`);
    writable.push(refDir, logDir);
    mustExist.push(refDir, logDir);
  }
  return {
    readOnly: [commonDir],
    writable,
    protect: [],
    mustExist,
    otherWorktrees: `${commonDir}/worktrees`,
  };
}

/**
 * The git paths of a command that only reads the repository (a test suite, a
 * smoke test): the common dir read-only, the other worktrees' admin dirs
 * hidden, and this worktree's own admin dir shown again read-only, so `git
 * status` or `git rev-parse` inside still work and nothing in `.git` can be
 * changed.
 *
 * @param parts Where the worktree's git data lives.
 * @returns Bindings with nothing writable.
 */
export function gitReadOnlyParts(parts: GitWorktreeParts): GitBindings {
  if (parts.isMainCheckout) {
    // `.git` lies inside the (writable) worktree: read-only again on top of it.
    return {
      readOnly: [parts.commonDir],
      writable: [],
      protect: [parts.commonDir],
      mustExist: [],
      otherWorktrees: undefined,
    };
  }
  return {
    readOnly: [parts.commonDir],
    writable: [],
    protect: [parts.adminDir],
    mustExist: [],
    otherWorktrees: `${parts.commonDir}/worktrees`,
  };
}

/** The git part of a {@linkcode FilePolicy}. */
export interface GitBindings {
  /** Read-only: the common dir. */
  readOnly: string[];
  /** Writable on top of it. */
  writable: string[];
  /** Read-only again on top of `writable`. */
  protect: string[];
  /** Folders to create before binding (a branch's ref and reflog folders). */
  mustExist: string[];
  /** `<common>/worktrees`: hidden, except this worktree's own admin dir. */
  otherWorktrees: string | undefined;
}

/**
 * Tells whether `path` is `base` or inside it.
 *
 * @param path An absolute path.
 * @param base An absolute folder.
 * @returns `true` when `path` is under `base`.
 */
export function isUnder(path: string, base: string): boolean {
  const b = base.endsWith("/") ? base.slice(0, -1) : base;
  return path === b || path.startsWith(`${b}/`);
}

function branchOf(head: string): string | undefined {
  const match = /^ref:\s*(refs\/heads\/\S+)/.exec(head.trim());
  return match?.[1];
}

function resolveFrom(base: string, path: string): string {
  if (path.startsWith("/")) return path;
  const parts = base.split("/");
  for (const piece of path.split("/")) {
    if (piece === "..") parts.pop();
    else if (piece !== "." && piece !== "") parts.push(piece);
  }
  return parts.join("/") || "/";
}
