/**
 * The operator's configuration and the binaries' baked-in facts: `fleet.yaml`
 * (schema, defaults, errors that point at file, line and field: config.ts;
 * the commented template `alfred init` writes: fleet_template.ts), the check
 * of an agent's `schedule` (schedule_check.ts), each binary's permission set
 * and the hint for a denied permission (permissions.ts, permission_error.ts),
 * and the build facts a compiled binary carries (build_info.ts).
 *
 * Left out of this face, imported by name where needed, because they load the
 * `yaml` library: fleet_yaml.ts (the parser, loaded by config.ts only when its
 * cache misses) and fleet_edit.ts (comment-preserving edits for `alfred repos`,
 * `enable`, `config set`).
 *
 * @module
 */
export * from "./build_info.ts";
export * from "./config.ts";
export * from "./fleet_template.ts";
export * from "./permission_error.ts";
export * from "./permissions.ts";
export * from "./schedule_check.ts";
