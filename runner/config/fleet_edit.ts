/**
 * Editing `fleet.yaml` from the CLI (`alfred enable`, `alfred disable`,
 * `alfred repos add|remove`, `alfred config set`) without losing the
 * operator's comments or layout.
 *
 * An edit is a list of operations on paths: set a value, append an item to a
 * list, remove a list item. They are applied twice. The `yaml` Document API
 * says what the file must mean afterwards; small splices of the source text,
 * at the ranges of the nodes they touch, keep every other byte. The splice is
 * kept when it means exactly what the Document API's result means; otherwise
 * (a flow collection, an unusual layout) the Document API's own text is used:
 * it keeps every comment but may move some, and the result says so.
 *
 * The result is checked exactly as loading checks it (runner/config/fleet_yaml.ts
 * and runner/config/config.ts: the same schema, the same `file:line:col` errors). An
 * invalid result is refused and the file is left untouched; a valid one is
 * written atomically, with the previous text kept as `fleet.yaml.bak`.
 *
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parseDocument,
  type Scalar,
  stringify,
  type YAMLMap,
} from "yaml";
import { BUILT_IN_AGENTS, Codename, RepoName, resolveFleetConfig } from "./config.ts";
import { AlfredError, ConfigError, UsageError } from "../errors.ts";
import { parseFleetFile } from "./fleet_yaml.ts";
import { withFileLock } from "../firing/lock.ts";
import type { EnvReader, Layout } from "../paths.ts";
import { writeFileAtomic } from "../state.ts";

/** A path into the YAML document: map keys and list indexes. */
export type YamlPath = readonly (string | number)[];

/** One operation on `fleet.yaml`. */
export type FleetOp =
  | { op: "set"; path: YamlPath; value: unknown }
  | { op: "append"; path: YamlPath; value: unknown }
  | { op: "remove"; path: YamlPath };

/** What an edit will do: the operations, and what they change for a person. */
export interface FleetPlan {
  /** The operations, in order (none: nothing to change). */
  ops: FleetOp[];
  /** One line per change, e.g. `agents.lucius.enabled: false -> true`. */
  changes: string[];
  /** Things the operator should know (nothing to change, a next step). */
  notes: string[];
}

/** What {@linkcode editFleet} did. */
export interface FleetEditResult {
  /** The file. */
  file: string;
  /** Whether the file was written. */
  written: boolean;
  /** Where the previous text was kept, when written. */
  backup?: string;
  /** The plan's change lines. */
  changes: string[];
  /** The plan's notes. */
  notes: string[];
  /** The YAML writer re-laid out the file (comments kept, some moved). */
  relaidOut: boolean;
}

/**
 * Applies operations to the text of a YAML file (pure): small splices of the
 * source when they mean what the Document API means, else the Document API's text.
 *
 * @param text The current text (valid YAML).
 * @param ops The operations.
 * @returns The new text, and whether it was re-laid out by the YAML writer.
 */
export function applyFleetOps(
  text: string,
  ops: readonly FleetOp[],
): { text: string; relaidOut: boolean } {
  const expected = parseDocument(text);
  for (const op of ops) applyToDocument(expected, op);
  const meaning = expected.toJS();
  let spliced: string | undefined = text;
  for (const op of ops) {
    if (spliced === undefined) break;
    spliced = spliceOp(spliced, op);
  }
  if (spliced !== undefined) {
    const check = parseDocument(spliced);
    if (!check.errors.length && isDeepStrictEqual(check.toJS(), meaning)) {
      return { text: spliced, relaidOut: false };
    }
  }
  return { text: expected.toString(), relaidOut: true };
}

/**
 * Edits `fleet.yaml`: reads it, plans the edit on what it holds, applies it,
 * checks the result as loading does, keeps the previous text as
 * `fleet.yaml.bak` and writes the new one atomically. Edits are serialised
 * with each other by a lock file under `state/`.
 *
 * Requires read and write access to ALFRED_HOME.
 *
 * @param layout The home layout (its `fleet.yaml`).
 * @param plan Decides the edit from the file's current content (plain data).
 * @param options The environment (as loading uses it) and the schedule check.
 * @returns What was changed and written.
 * @throws {ConfigError} when the file or the edited result is invalid (the file is untouched).
 * @throws {UsageError} from `plan`, for an edit that makes no sense.
 */
export async function editFleet(
  layout: Layout,
  plan: (current: FleetData) => FleetPlan,
  options: { env: EnvReader; validateSchedule?: (text: string) => void },
): Promise<FleetEditResult> {
  const file = layout.fleetFile;
  return await withFileLock(`${layout.stateDir}/fleet.yaml.lock`, async () => {
    const { text, mode } = await readFleetText(file);
    const doc = parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length) parseFleetFile(text, { file }); // throws the loader's own error
    const decided = plan(asFleetData(doc.toJS()));
    const unchanged = { file, written: false, relaidOut: false, ...decided };
    if (!decided.ops.length) return unchanged;
    const edited = applyFleetOps(text, decided.ops);
    if (edited.text === text) return unchanged;
    try {
      resolveFleetConfig(parseFleetFile(edited.text, { file }), {
        env: options.env,
        source: file,
        validateSchedule: options.validateSchedule,
      });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new ConfigError(`${error.message} (after the edit; nothing was written)`, {
        hint: `${file} is unchanged. ${error.hint ?? ""}`.trim(),
        cause: error,
      });
    }
    const backup = `${file}.bak`;
    await writeFileAtomic(backup, text, { mode });
    await writeFileAtomic(file, edited.text, { mode });
    return { ...unchanged, written: true, backup, relaidOut: edited.relaidOut };
  });
}

/** The content of `fleet.yaml` as plain data, as far as an edit plan needs it. */
export interface FleetData {
  /** `repos:`, when it is a list. */
  repos?: unknown[];
  /** `agents:`, when it is a mapping. */
  agents?: Record<string, unknown>;
  /** Everything, for `config set`. */
  root: Record<string, unknown>;
}

/**
 * Plans turning agents on or off (`alfred enable` / `alfred disable`).
 *
 * @param codenames The agents.
 * @param enabled On or off.
 * @returns The planner.
 * @throws {UsageError} (from the planner) for a codename that is neither built in nor in the file.
 */
export function planEnabled(
  codenames: readonly string[],
  enabled: boolean,
): (current: FleetData) => FleetPlan {
  return (current) => {
    const plan: FleetPlan = { ops: [], changes: [], notes: [] };
    for (const codename of new Set(codenames)) {
      if (!Codename.safeParse(codename).success) {
        throw new UsageError(`"${codename}" is not a codename`);
      }
      const entry = current.agents?.[codename];
      if (!BUILT_IN_AGENTS[codename] && entry === undefined) {
        throw new UsageError(`unknown agent "${codename}"`, {
          hint: `Built-in agents: ${
            Object.keys(BUILT_IN_AGENTS).join(", ")
          }. A custom agent is defined under agents: in fleet.yaml first (docs/AGENTS.md).`,
        });
      }
      const set = isRecord(entry) ? entry.enabled : undefined;
      // The loader's default: an agent listed under agents: is on, echo is on.
      const now = typeof set === "boolean" ? set : entry !== undefined || codename === "echo";
      if (now === enabled) {
        plan.notes.push(`${codename} is already ${enabled ? "enabled" : "disabled"}.`);
        continue;
      }
      plan.ops.push({ op: "set", path: ["agents", codename, "enabled"], value: enabled });
      plan.changes.push(`agents.${codename}.enabled: ${show(set)} -> ${enabled}`);
    }
    return plan;
  };
}

/** A repo for {@linkcode planRepoAdd}. */
export interface RepoToAdd {
  /** `owner/name`. */
  name: string;
  /** The operator's checkout, when given. */
  path?: string;
  /** The base branch. */
  base: string;
}

/**
 * Plans adding a repo (`alfred repos add`).
 *
 * @param repo The repo.
 * @returns The planner.
 * @throws {UsageError} (from the planner) for a bad name, or a repo listed with other settings.
 */
export function planRepoAdd(repo: RepoToAdd): (current: FleetData) => FleetPlan {
  return (current) => {
    if (!RepoName.safeParse(repo.name).success) {
      throw new UsageError(`a repo must be owner/name (got "${repo.name}")`);
    }
    const listed = (current.repos ?? []).find((entry) =>
      isRecord(entry) && entry.name === repo.name
    );
    if (isRecord(listed)) {
      const same = (listed.path ?? undefined) === repo.path &&
        (listed.base ?? "main") === repo.base;
      if (same) return { ops: [], changes: [], notes: [`${repo.name} is already listed.`] };
      throw new UsageError(
        `${repo.name} is already listed, with ${describeRepo(listed)}`,
        { hint: `Run \`alfred repos remove ${repo.name}\` first to list it again differently.` },
      );
    }
    const item = { name: repo.name, ...(repo.path ? { path: repo.path } : {}), base: repo.base };
    return {
      ops: [
        Array.isArray(current.root.repos)
          ? { op: "append", path: ["repos"], value: item }
          : { op: "set", path: ["repos"], value: [item] },
      ],
      changes: [`repos: added ${repo.name} (${describeRepo(item)})`],
      notes: [],
    };
  };
}

/**
 * Plans removing a repo (`alfred repos remove`), and its mentions in agents' `repos:` lists.
 *
 * @param name `owner/name`.
 * @returns The planner.
 * @throws {UsageError} (from the planner) when the repo is not listed.
 */
export function planRepoRemove(name: string): (current: FleetData) => FleetPlan {
  return (current) => {
    const index = (current.repos ?? []).findIndex((entry) =>
      isRecord(entry) && entry.name === name
    );
    if (index < 0) {
      const names = (current.repos ?? []).flatMap((entry) =>
        isRecord(entry) && typeof entry.name === "string" ? [entry.name] : []
      );
      throw new UsageError(`${name} is not listed under repos:`, {
        hint: names.length ? `Listed: ${names.join(", ")}.` : "No repo is listed yet.",
      });
    }
    const plan: FleetPlan = {
      ops: [{ op: "remove", path: ["repos", index] }],
      changes: [`repos: removed ${name}`],
      notes: [],
    };
    for (const [codename, entry] of Object.entries(current.agents ?? {})) {
      const repos = isRecord(entry) && Array.isArray(entry.repos) ? entry.repos : [];
      const at = repos.indexOf(name);
      if (at < 0) continue;
      plan.ops.push({ op: "remove", path: ["agents", codename, "repos", at] });
      plan.changes.push(`agents.${codename}.repos: removed ${name}`);
    }
    return plan;
  };
}

/**
 * Plans setting one value (`alfred config set agents.lucius.max_turns 30`).
 * The value is read as YAML (`true`, `30`, `every 10m`, `[a, b]`).
 *
 * @param key A dotted key; a number after a list is an index (`repos.0.base`).
 * @param valueText The value, as typed.
 * @returns The planner.
 * @throws {UsageError} (from the planner) for a malformed key or value.
 */
export function planConfigSet(key: string, valueText: string): (current: FleetData) => FleetPlan {
  return (current) => {
    const path = pathOfKey(key, current.root);
    const parsed = parseDocument(valueText);
    if (parsed.errors.length) {
      throw new UsageError(
        `the value of ${key} is not valid YAML: ${parsed.errors[0].message.split("\n")[0]}`,
        { hint: "Quote it for the shell, e.g. '\"every 10m\"' or '[acme/api, acme/web]'." },
      );
    }
    const value: unknown = parsed.toJS();
    const before = valueAt(current.root, path);
    if (isDeepStrictEqual(before, value)) {
      return { ops: [], changes: [], notes: [`${key} is already ${show(value)}.`] };
    }
    return {
      ops: [{ op: "set", path, value }],
      changes: [`${key}: ${show(before)} -> ${show(value)}`],
      notes: [],
    };
  };
}

/**
 * Reads the value at a dotted key of `fleet.yaml` as written (no defaults applied).
 *
 * @param current The file's content.
 * @param key A dotted key, as for {@linkcode planConfigSet}.
 * @returns The value, or `undefined` when it is not set.
 * @throws {UsageError} for a malformed key.
 */
export function configValueAt(current: FleetData, key: string): unknown {
  return valueAt(current.root, pathOfKey(key, current.root));
}

/**
 * Reads `fleet.yaml` as plain data (for `alfred config get`, `alfred repos list`).
 *
 * @param layout The home layout.
 * @returns The content.
 * @throws {AlfredError} when there is no `fleet.yaml`; {@linkcode ConfigError} for invalid YAML.
 */
export async function readFleetData(layout: Layout): Promise<FleetData> {
  const { text } = await readFleetText(layout.fleetFile);
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) parseFleetFile(text, { file: layout.fleetFile });
  return asFleetData(doc.toJS());
}

/**
 * Shows a value in a change line (pure): strings quoted, unset as `(unset)`.
 *
 * @param value The value.
 * @returns One line.
 */
export function show(value: unknown): string {
  if (value === undefined) return "(unset)";
  if (typeof value === "string") return JSON.stringify(value);
  if (value !== null && typeof value === "object") {
    return stringify(value, { collectionStyle: "flow", lineWidth: 0 }).trim();
  }
  return String(value);
}

// ---------------------------------------------------------------------------

async function readFleetText(file: string): Promise<{ text: string; mode: number | undefined }> {
  try {
    const [text, info] = await Promise.all([Deno.readTextFile(file), Deno.stat(file)]);
    return { text, mode: info.mode === null ? undefined : info.mode & 0o777 };
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new AlfredError(`${file} does not exist`, {
      hint: "Run `alfred init` first; it writes a commented fleet.yaml.",
      exitCode: 3,
    });
  }
}

function asFleetData(js: unknown): FleetData {
  const root = isRecord(js) ? js : {};
  return {
    root,
    ...(Array.isArray(root.repos) ? { repos: root.repos } : {}),
    ...(isRecord(root.agents) ? { agents: root.agents } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeRepo(repo: Record<string, unknown>): string {
  return [
    repo.path ? `path ${repo.path}` : "a managed clone",
    `base ${repo.base ?? "main"}`,
  ].join(", ");
}

function pathOfKey(key: string, root: Record<string, unknown>): (string | number)[] {
  const parts = key.split(".");
  if (!key || parts.some((part) => part === "")) {
    throw new UsageError(`"${key}" is not a dotted key`, {
      hint: "e.g. agents.lucius.max_turns, defaults.caps.cost_usd_per_day, repos.0.base",
    });
  }
  const path: (string | number)[] = [];
  let at: unknown = root;
  for (const part of parts) {
    const index = Array.isArray(at) && /^\d+$/.test(part) ? Number(part) : undefined;
    path.push(index ?? part);
    at = index !== undefined
      ? (at as unknown[])[index]
      : isRecord(at) && Object.hasOwn(at, part)
      ? at[part]
      : undefined;
  }
  return path;
}

function valueAt(root: unknown, path: YamlPath): unknown {
  let at = root;
  for (const part of path) {
    if (Array.isArray(at) && typeof part === "number") at = at[part];
    else if (isRecord(at) && Object.hasOwn(at, String(part))) at = at[String(part)];
    else return undefined;
  }
  return at;
}

function applyToDocument(doc: Document, op: FleetOp): void {
  try {
    // A key written with no value (`lucius:`) is null: make it a mapping first.
    for (let depth = 1; depth < op.path.length; depth++) {
      const prefix = op.path.slice(0, depth);
      if (doc.hasIn(prefix) && doc.getIn(prefix) === null) {
        doc.setIn(prefix, doc.createNode(typeof op.path[depth] === "number" ? [] : {}));
      }
    }
    switch (op.op) {
      case "set":
        doc.setIn(op.path, doc.createNode(op.value));
        return;
      case "append":
        if (isSeq(doc.getIn(op.path, true))) doc.addIn(op.path, doc.createNode(op.value));
        else doc.setIn(op.path, doc.createNode([op.value]));
        return;
      case "remove":
        doc.deleteIn(op.path);
        return;
    }
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    throw new UsageError(`cannot change ${op.path.join(".")}: ${error.message}`, {
      hint: "A key on the way holds a value, not a mapping; set that key instead.",
      cause: error,
    });
  }
}

// ---------------------------------------------------------------------------
// Splices of the source text. Each returns undefined when it cannot keep the
// layout; applyFleetOps then uses the Document API's text instead.

type Ranged = Node & { range: [number, number, number] };

/** Where a path leads in a parsed document. */
interface Found {
  /** The node at the full path, when it exists. */
  node?: Node;
  /** How many segments exist. */
  depth: number;
  /** The deepest existing node (the container of the first missing segment). */
  container: Node | null | undefined;
  /** The key node of each existing map segment, by depth (for indentation). */
  keys: (Scalar | undefined)[];
}

function spliceOp(text: string, op: FleetOp): string | undefined {
  if (text.includes("\r")) return undefined;
  const doc = parseDocument(text);
  if (doc.errors.length) return undefined;
  const found = walk(doc, op.path);
  switch (op.op) {
    case "set":
      return found.node !== undefined
        ? replaceScalar(text, found.node, op.value)
        : insertMissing(text, found, op.path, op.value);
    case "append":
      if (found.node === undefined) return insertMissing(text, found, op.path, [op.value]);
      return appendItem(text, found, op.value);
    case "remove":
      return found.node === undefined ? undefined : removeEntry(text, doc, op.path);
  }
}

function walk(doc: Document, path: YamlPath): Found {
  let node: Node | null | undefined = doc.contents as Node | null;
  const keys: (Scalar | undefined)[] = [];
  for (let depth = 0; depth < path.length; depth++) {
    const part = path[depth];
    if (isMap(node)) {
      const pair = (node as YAMLMap).items.find((item) =>
        isScalar(item.key) && String(item.key.value) === String(part)
      ) as Pair<Scalar, Node | null> | undefined;
      if (!pair) return { depth, container: node, keys };
      keys.push(pair.key);
      node = pair.value;
    } else if (isSeq(node) && typeof part === "number" && part < node.items.length) {
      keys.push(undefined);
      node = node.items[part] as Node;
    } else {
      return { depth, container: node, keys };
    }
  }
  return { node: node ?? undefined, depth: path.length, container: node, keys };
}

function replaceScalar(text: string, node: Node, value: unknown): string | undefined {
  if (!isScalar(node) || isEmptyScalar(node) || !hasRange(node)) return undefined;
  const rendered = scalarText(value);
  if (rendered === undefined) return undefined;
  return text.slice(0, node.range[0]) + rendered + text.slice(node.range[1]);
}

function insertMissing(
  text: string,
  found: Found,
  path: YamlPath,
  value: unknown,
): string | undefined {
  const rest = path.slice(found.depth);
  const container = found.container;
  let col: number;
  let at: number;
  if (isMap(container) && !container.flow && container.items.length && hasRange(container)) {
    const first = container.items[0].key as Node;
    if (!hasRange(first)) return undefined;
    col = column(text, first.range[0]);
    at = lineEnd(text, contentEnd(container));
  } else if ((container === null || container === undefined) && found.depth === 0) {
    if (text.trim() && !/^\s*(#.*)?$/s.test(text)) return undefined;
    col = 0;
    at = text.length;
  } else if (isEmptyScalar(container) || container === null || container === undefined) {
    const key = found.keys[found.depth - 1];
    if (!key || !hasRange(key)) return undefined;
    col = column(text, key.range[0]) + 2;
    at = lineEnd(text, key.range[1]);
  } else {
    return undefined;
  }
  const lines = nestedLines(rest, value, col);
  return lines && insertLines(text, at, lines);
}

function appendItem(text: string, found: Found, value: unknown): string | undefined {
  const seq = found.node;
  const item = itemLines(value);
  if (!item) return undefined;
  if (isSeq(seq) && !seq.flow && seq.items.length) {
    const last = seq.items[seq.items.length - 1] as Node;
    const dash = dashColumn(text, last);
    if (dash === undefined) return undefined;
    return insertLines(text, lineEnd(text, contentEnd(seq)), indent(item, dash));
  }
  const key = found.keys[found.depth - 1];
  if (!key || !hasRange(key)) return undefined;
  const col = column(text, key.range[0]) + 2;
  if (isSeq(seq) && seq.flow && !seq.items.length && hasRange(seq)) {
    // `repos: []` becomes a block list under its key.
    const colon = text.indexOf(":", key.range[1]);
    if (colon < 0 || text.slice(colon + 1, seq.range[0]).trim() !== "") return undefined;
    return text.slice(0, colon + 1) + "\n" + indent(item, col).join("\n") +
      text.slice(seq.range[1]);
  }
  if (isEmptyScalar(seq)) return insertLines(text, lineEnd(text, key.range[1]), indent(item, col));
  return undefined;
}

function removeEntry(text: string, doc: Document, path: YamlPath): string | undefined {
  const parent = walk(doc, path.slice(0, -1));
  const last = path[path.length - 1];
  const container = parent.node;
  if (isSeq(container) && !container.flow && typeof last === "number") {
    const item = container.items[last] as Node;
    const dash = dashColumn(text, item);
    if (dash === undefined || !hasRange(item)) return undefined;
    const start = lineStart(text, item.range[0]);
    const end = lineEnd(text, contentEnd(item));
    if (container.items.length > 1) return text.slice(0, start) + text.slice(end + 1);
    // The only item: the list becomes `[]` on its key's line.
    const key = parent.keys[parent.depth - 1];
    if (!key || !hasRange(key)) return undefined;
    const colon = text.indexOf(":", key.range[1]);
    if (colon < 0) return undefined;
    return text.slice(0, colon + 1) + " []" + text.slice(end);
  }
  if (isMap(container) && !container.flow && container.items.length > 1) {
    const pair = (container as YAMLMap).items.find((p) =>
      isScalar(p.key) && String(p.key.value) === String(last)
    ) as Pair<Scalar, Node | null> | undefined;
    if (!pair || !hasRange(pair.key)) return undefined;
    const start = lineStart(text, pair.key.range[0]);
    const end = lineEnd(text, pair.value ? contentEnd(pair.value) : pair.key.range[1]);
    return text.slice(0, start) + text.slice(end + 1);
  }
  return undefined;
}

/** The offset just past a node's last value (not its trailing comments). */
function contentEnd(node: Node): number {
  if ((isMap(node) || isSeq(node)) && !node.flow && node.items.length) {
    const last = node.items[node.items.length - 1];
    if (isMap(node)) {
      const pair = last as Pair<Node, Node | null>;
      return pair.value && !isEmptyScalar(pair.value)
        ? contentEnd(pair.value)
        : (pair.key as Ranged).range[1];
    }
    return contentEnd(last as Node);
  }
  return (node as Ranged).range[1];
}

function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && hasRange(node) && node.range[0] === node.range[1];
}

function hasRange(node: unknown): node is Ranged {
  return typeof node === "object" && node !== null && "range" in node &&
    Array.isArray((node as Ranged).range);
}

function dashColumn(text: string, item: Node): number | undefined {
  if (!hasRange(item)) return undefined;
  const start = lineStart(text, item.range[0]);
  const match = /^( *)-\s+$/.exec(text.slice(start, item.range[0]));
  return match ? match[1].length : undefined;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

function lineEnd(text: string, offset: number): number {
  const end = text.indexOf("\n", offset);
  return end < 0 ? text.length : end;
}

function column(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}

function insertLines(text: string, at: number, lines: string[]): string {
  if (at >= text.length) {
    const sep = text === "" || text.endsWith("\n") ? "" : "\n";
    return text + sep + lines.join("\n") + "\n";
  }
  return text.slice(0, at) + "\n" + lines.join("\n") + text.slice(at);
}

function indent(lines: string[], col: number): string[] {
  const pad = " ".repeat(col);
  return lines.map((line) => pad + line);
}

/** A scalar (or empty collection) as YAML on one line; undefined for anything else. */
function scalarText(value: unknown): string | undefined {
  if (value !== null && typeof value === "object" && Object.keys(value).length) return undefined;
  const text = stringify(value, { lineWidth: 0 }).trimEnd();
  return text.includes("\n") ? undefined : text;
}

/** A list item as block YAML lines starting with `- `. */
function itemLines(value: unknown): string[] | undefined {
  const text = stringify([value], { lineWidth: 0 }).trimEnd();
  return text.startsWith("- ") ? text.split("\n") : undefined;
}

/** `a:` / `  b:` / `    c: value` lines for a path that does not exist yet. */
function nestedLines(path: YamlPath, value: unknown, col: number): string[] | undefined {
  const [head, ...rest] = path;
  if (typeof head !== "string") return undefined;
  const key = scalarText(head);
  if (key === undefined) return undefined;
  const pad = " ".repeat(col);
  if (rest.length) {
    const inner = nestedLines(rest, value, col + 2);
    return inner && [`${pad}${key}:`, ...inner];
  }
  const scalar = scalarText(value);
  if (scalar !== undefined) return [`${pad}${key}: ${scalar}`];
  const body = stringify(value, { lineWidth: 0 }).trimEnd().split("\n");
  return [`${pad}${key}:`, ...indent(body, col + 2)];
}

/**
 * Says what an edit did, for a person (pure).
 *
 * @param result What {@linkcode editFleet} returned.
 * @returns Lines for standard output.
 */
export function describeFleetEdit(result: FleetEditResult): string[] {
  const lines: string[] = [];
  if (result.written) {
    lines.push(`Updated ${result.file}:`, ...result.changes.map((change) => `  ${change}`));
    lines.push(`The previous version is kept in ${result.backup}.`);
    if (result.relaidOut) {
      lines.push(
        "note: the YAML writer re-laid out the file for this change: every comment is kept, " +
          "some may have moved.",
      );
    }
  } else if (!result.notes.length) {
    lines.push(`Nothing to change in ${result.file}.`);
  }
  lines.push(...result.notes);
  return lines;
}
