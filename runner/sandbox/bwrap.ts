/**
 * The bubblewrap (`bwrap`) command line of a sandboxed engine run on Linux.
 *
 * The sandbox starts from an empty root, not from `--ro-bind / /`: only the
 * system folders (`/usr`, `/bin`, `/lib*`, `/sbin`, `/etc`, `/opt`, `/nix`) are
 * bound read-only, and the root itself is remounted read-only at the end. So
 * nothing the operator keeps elsewhere (`/home`, `/root`, `/run/user/<uid>`
 * with the ssh-agent and keyring sockets, `/var/run/docker.sock`, `/mnt`,
 * other users' files) exists inside, without Alfred having to know it. The
 * home folder is an empty read-only tmpfs with only the engine's own folders
 * bound in. `/proc` is a fresh procfs of the sandbox's own PID namespace,
 * `/dev` a minimal devtmpfs, `/tmp` and `/var/tmp` private tmpfs.
 *
 * With a network, the sandbox has its own network namespace (only its own
 * loopback) and reaches the egress proxy through a Unix socket bound in, via a
 * forwarder started inside that listens on `127.0.0.1:<insidePort>`.
 *
 * @module
 */
import type { FilePolicy } from "./policy.ts";

/** System folders bound read-only when they exist. */
export const SYSTEM_DIRS: readonly string[] = [
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/etc",
  "/opt",
  "/nix",
];

/** System files hidden even though `/etc` is visible (readable only as root). */
export const SYSTEM_SECRETS: readonly string[] = ["/etc/shadow", "/etc/gshadow", "/etc/sudoers"];

/** How a system folder exists on this machine. */
export type SystemEntry =
  | { path: string; kind: "dir" }
  | { path: string; kind: "symlink"; target: string };

/** The network of the sandbox. */
export interface BwrapNetwork {
  /** The egress proxy's Unix socket on the host. */
  socketPath: string;
  /** Where the socket appears inside. Default `/run/alfred/proxy.sock`. */
  insideSocketPath?: string;
  /** The loopback port the forwarder listens on inside. */
  insidePort: number;
  /** The forwarder command: it is called with `<socket> <port> <ready-file>` appended. */
  forwarder: readonly string[];
}

/** Options of {@linkcode bwrapArgs}. */
export interface BwrapOptions {
  /** The file rules. */
  policy: FilePolicy;
  /** The system folders that exist here (see {@linkcode probeSystemEntries}). */
  system: readonly SystemEntry[];
  /** System files to mask (those of {@linkcode SYSTEM_SECRETS} that exist). */
  systemSecrets?: readonly string[];
  /** The proxy connection; without it the sandbox has no network at all. */
  network?: BwrapNetwork;
}

/** Where the forwarder says it is listening. */
export const FORWARDER_READY_FILE = "/tmp/.alfred-forwarder-ready";

/**
 * Builds the arguments of `bwrap` that run `command` in the sandbox.
 *
 * @example Usage
 * ```ts
 * import { bwrapArgs } from "./bwrap.ts";
 * const args = bwrapArgs(["claude", "-p"], {
 *   policy: {
 *     worktree: "/w/t", readOnly: [], writable: ["/w/t"], protect: [], emptied: [],
 *     home: "/home/op", denied: [],
 *   },
 *   system: [{ path: "/usr", kind: "dir" }],
 * });
 * // ["--die-with-parent", ..., "--chdir", "/w/t", "--", "claude", "-p"]
 * ```
 *
 * @param command The program (an absolute path that exists inside) and its arguments.
 * @param options The file policy, the system folders and the network.
 * @returns The arguments, without `bwrap` itself.
 */
export function bwrapArgs(command: readonly string[], options: BwrapOptions): string[] {
  const { policy } = options;
  const args = [
    "--die-with-parent",
    "--new-session",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--unshare-net",
    // As root, the sandbox would keep CAP_SYS_ADMIN and could remount read-only binds.
    "--cap-drop",
    "ALL",
  ];
  for (const entry of options.system) {
    if (entry.kind === "symlink") args.push("--symlink", entry.target, entry.path);
    else args.push("--ro-bind", entry.path, entry.path);
  }
  for (const secret of options.systemSecrets ?? []) args.push("--ro-bind", "/dev/null", secret);
  args.push(
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
    "--tmpfs",
    "/var/tmp",
    "--tmpfs",
    policy.home,
  );
  for (const path of policy.readOnly) args.push("--ro-bind", path, path);
  for (const path of policy.emptied) args.push("--tmpfs", path);
  for (const path of policy.writable) args.push("--bind", path, path);
  for (const path of policy.protect) args.push("--ro-bind", path, path);
  for (const denied of policy.denied) {
    if (denied.kind === "dir") args.push("--tmpfs", denied.path, "--remount-ro", denied.path);
    else args.push("--ro-bind", "/dev/null", denied.path);
  }
  // Writes outside the binds fail loudly (EROFS) instead of landing in a throw-away tmpfs.
  args.push("--remount-ro", policy.home);
  let program = [...command];
  if (options.network) {
    const inside = options.network.insideSocketPath ?? "/run/alfred/proxy.sock";
    args.push("--ro-bind", options.network.socketPath, inside);
    program = [
      "/bin/sh",
      "-c",
      forwarderScript(options.network.forwarder, {
        socketPath: inside,
        port: options.network.insidePort,
      }),
      "alfred-sandbox",
      ...command,
    ];
  }
  args.push("--remount-ro", "/", "--chdir", policy.worktree, "--", ...program);
  return args;
}

/**
 * The shell script that starts the forwarder in the background, waits (at
 * most 5 s) until it listens, then replaces itself with the engine (`"$@"`).
 *
 * @param forwarder The forwarder command.
 * @param options The socket inside and the port to listen on.
 * @returns The `sh -c` script.
 */
export function forwarderScript(
  forwarder: readonly string[],
  options: { socketPath: string; port: number },
): string {
  const start = [...forwarder, options.socketPath, String(options.port), FORWARDER_READY_FILE]
    .map(shellQuote).join(" ");
  return [
    `${start} </dev/null >/dev/null &`,
    "i=0",
    `while [ ! -e ${FORWARDER_READY_FILE} ]; do`,
    "  i=$((i+1))",
    '  if [ "$i" -gt 500 ]; then echo "alfred sandbox: the proxy forwarder did not start" >&2; exit 125; fi',
    "  sleep 0.01",
    "done",
    'exec "$@"',
  ].join("\n");
}

/**
 * Quotes a word for `sh`.
 *
 * @param word Any text.
 * @returns The text in single quotes, with embedded quotes escaped.
 */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Finds which of {@linkcode SYSTEM_DIRS} exist here and which are symlinks
 * (`/bin -> usr/bin` on merged-/usr systems).
 *
 * Requires read access to `/`.
 *
 * @returns The entries to bind.
 */
export function probeSystemEntries(): SystemEntry[] {
  const entries: SystemEntry[] = [];
  for (const path of SYSTEM_DIRS) {
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    if (info.isSymlink) entries.push({ path, kind: "symlink", target: Deno.readLinkSync(path) });
    else if (info.isDirectory) entries.push({ path, kind: "dir" });
  }
  return entries;
}

/**
 * The forwarder run by `node -e` (arguments: socket, port, ready file). Node is
 * what runs the engines' CLIs, so it is present and visible in every sandbox,
 * also when Alfred itself is a compiled binary (which cannot `eval`).
 */
export const NODE_FORWARDER_SOURCE = `
const net = require("node:net");
const fs = require("node:fs");
const [socketPath, port, readyFile] = process.argv.slice(1);
const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  const end = () => { client.destroy(); upstream.destroy(); };
  client.on("error", end);
  upstream.on("error", end);
  client.pipe(upstream);
  upstream.pipe(client);
});
server.listen(Number(port), "127.0.0.1", () => fs.writeFileSync(readyFile, String(process.pid)));
`;
