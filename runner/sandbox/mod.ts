/**
 * Sandboxed execution: the engine's whole process tree, and every command
 * that runs repository code, confined to its worktree (bubblewrap on Linux,
 * `sandbox-exec` on macOS) with its network sent through an allowlisting
 * proxy. {@linkcode wrapCommand} and {@linkcode wrapEngineCommand}, the
 * availability check and the mode decision are in wrap.ts; the platform
 * policies in policy.ts, bwrap.ts, seatbelt.ts; the egress proxy in proxy.ts
 * (its socket folder in runtime_dir.ts); denials in audit.ts; repository
 * commands in repo_command.ts; the `sandbox: off` opt-out in opt_out.ts.
 * See docs/SANDBOX.md.
 *
 * @module
 */
export * from "./audit.ts";
export * from "./bwrap.ts";
export * from "./opt_out.ts";
export * from "./policy.ts";
export * from "./proxy.ts";
export * from "./repo_command.ts";
export * from "./runtime_dir.ts";
export * from "./seatbelt.ts";
export * from "./wrap.ts";
