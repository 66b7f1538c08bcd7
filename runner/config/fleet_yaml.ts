/**
 * Parsing `fleet.yaml` text: YAML (`npm:yaml`, with node ranges) checked
 * against the schema in runner/config/config.ts, with errors that name the file,
 * line, column and field. Loaded only when the file changed since the last
 * firing (runner/config/config.ts keeps the last parse).
 *
 * @module
 */
import { isMap, isScalar, LineCounter, parseDocument } from "yaml";
import { FleetFile } from "./config.ts";
import { ConfigError } from "../errors.ts";

/**
 * Parses and validates the text of a `fleet.yaml`.
 *
 * @param text The YAML text.
 * @param options `file` names the source in errors.
 * @returns The validated file.
 * @throws {ConfigError} naming `file:line:col`, the field, and what was expected.
 */
export function parseFleetFile(text: string, options: { file: string }): FleetFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const where = (offset: number | undefined) => {
    if (offset === undefined) return options.file;
    const { line, col } = lineCounter.linePos(offset);
    return `${options.file}:${line}:${col}`;
  };
  if (doc.errors.length) {
    const first = doc.errors[0];
    throw new ConfigError(`${where(first.pos[0])}: invalid YAML: ${first.message.split("\n")[0]}`, {
      hint: "Fix the YAML syntax at that position.",
    });
  }
  const result = FleetFile.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path.map((part) => typeof part === "symbol" ? String(part) : part);
  let offset: number | undefined;
  let field = path.join(".") || "(top level)";
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0];
    field = [...path, key].join(".");
    offset = keyOffset(doc.getIn(path, true), key) ?? nodeOffset(doc.getIn(path, true));
    message = `unknown key "${key}"`;
  } else {
    offset = nodeOffset(doc.getIn(path, true)) ?? keyOffsetOfPath(doc, path) ??
      nodeOffset(doc.getIn(path.slice(0, -1), true));
    const got = valueAt(doc.toJS(), path);
    if (got !== undefined || issue.code === "invalid_type") {
      message += ` (got ${describe(got)})`;
    }
  }
  throw new ConfigError(`${where(offset)}: ${field}: ${message}`, {
    hint:
      `Fix ${field} in ${options.file}; the commented defaults from \`alfred init\` show every field.`,
  });
}

type YamlNode = ReturnType<ReturnType<typeof parseDocument>["getIn"]>;

function nodeOffset(node: YamlNode): number | undefined {
  if (node && typeof node === "object" && "range" in node && Array.isArray(node.range)) {
    return node.range[0];
  }
  return undefined;
}

function keyOffset(mapNode: YamlNode, key: string | number): number | undefined {
  if (!isMap(mapNode)) return undefined;
  for (const pair of mapNode.items) {
    if (isScalar(pair.key) && String(pair.key.value) === String(key)) return nodeOffset(pair.key);
  }
  return undefined;
}

function keyOffsetOfPath(
  doc: ReturnType<typeof parseDocument>,
  path: (string | number)[],
): number | undefined {
  if (!path.length) return undefined;
  return keyOffset(doc.getIn(path.slice(0, -1), true), path[path.length - 1]);
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  let value = root;
  for (const part of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string | number, unknown>)[part];
  }
  return value;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") {
    return JSON.stringify(value.length > 60 ? value.slice(0, 57) + "..." : value);
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return String(value);
}
