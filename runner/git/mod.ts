/**
 * Git for a firing: the canonical checkout of each repository and one
 * worktree per firing on its own branch, cleaned up without losing a commit
 * (worktree.ts); delivering the work as commits and a pull request
 * (delivery.ts); which lines a pull request's diff touches (diff_scope.ts);
 * test coverage of a change (coverage.ts); the disk guardian that checks free
 * space and prunes what Alfred leaves behind (disk_guardian.ts); and the
 * runner's own git, which never runs repository code (isolation.ts); the
 * read-only checkout of the agents that never change a repository
 * (read_only.ts).
 *
 * @module
 */
export * from "./coverage.ts";
export * from "./delivery.ts";
export * from "./diff_scope.ts";
export * from "./disk_guardian.ts";
export * from "./isolation.ts";
export * from "./read_only.ts";
export * from "./worktree.ts";
