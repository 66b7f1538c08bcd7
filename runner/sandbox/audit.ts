/**
 * The denials of one sandboxed run: what the sandbox refused, as far as it can
 * be seen from outside.
 *
 * - Network: every connection the egress proxy refused (exact).
 * - Engine permissions: the engine's own `permission_denials` (exact).
 * - Files: the kernel tells the process, not Alfred. The scanner reads the
 *   engine's stream for tool results whose text carries a denial
 *   (`Read-only file system`, `EROFS`, `EACCES`, `Permission denied`,
 *   `Operation not permitted`) or a "No such file" naming a path Alfred hid.
 *   A tool that swallows its error, or a hidden path probed with `test -e`,
 *   leaves no trace: see docs/SANDBOX.md.
 *
 * @module
 */
import { z } from "zod";
import type { DenialRecord } from "../firing/agent.ts";
import type { PermissionDenial } from "../engines/agent_result.ts";
import type { NetworkDenial } from "./proxy.ts";

/** A file access the sandbox refused, seen in a tool result. */
export interface FileDenial {
  /** Always `file`. */
  kind: "file";
  /** The tool whose result showed it, when known. */
  tool: string | undefined;
  /** The denied path, when the message names one. */
  path: string | undefined;
  /** The matching line of the tool result (at most 300 characters). */
  message: string;
  /** When it was seen, as an ISO date-time. */
  at: string;
}

/** A tool call the engine's own permission system refused. */
export interface EnginePermissionDenial {
  /** Always `permission`. */
  kind: "permission";
  /** The tool. */
  tool: string;
  /** The tool's input, as JSON text (at most 300 characters). */
  input: string;
}

/** Any denial recorded for a firing. */
export type SandboxDenial = NetworkDenial | FileDenial | EnginePermissionDenial;

/** Options of {@linkcode createDenialScanner}. */
export interface DenialScannerOptions {
  /** Paths that exist outside but were hidden; "No such file" on them is a denial. */
  hiddenPaths: readonly string[];
  /** The clock. */
  now?: () => Date;
}

/** Reads engine output lines (or a plain command's) and collects file denials. */
export interface DenialScanner {
  /** Feeds one stdout line of the engine (stream JSON). */
  line(text: string): void;
  /**
   * Feeds one output line of a plain command (a test runner, a smoke test):
   * the line itself is read for a denial.
   */
  plain(tool: string, text: string): void;
  /** The file denials so far. */
  denials(): FileDenial[];
}

const DENIAL_TEXT =
  /read-only file system|\bEROFS\b|\bEACCES\b|\bEPERM\b|permission denied|operation not permitted/i;
const MISSING_TEXT = /no such file or directory|\bENOENT\b|does not exist|not found/i;
const PATH_IN_TEXT = /(\/[^\s'"`:,)]+)/g;

const ToolUse = z.looseObject({ type: z.literal("tool_use"), id: z.string(), name: z.string() });
const ToolResult = z.looseObject({
  type: z.literal("tool_result"),
  tool_use_id: z.string().optional(),
  content: z.unknown(),
});
const StreamMessage = z.looseObject({
  type: z.enum(["assistant", "user"]),
  message: z.looseObject({ content: z.array(z.unknown()) }),
});

/**
 * Creates a scanner of `claude` stream-json lines (assistant `tool_use` and
 * user `tool_result` blocks), of Codex `command_execution` items, and of a
 * plain command's output lines.
 *
 * @param options The hidden paths and the clock.
 * @returns The scanner.
 */
export function createDenialScanner(options: DenialScannerOptions): DenialScanner {
  const now = options.now ?? (() => new Date());
  const tools = new Map<string, string>();
  const found: FileDenial[] = [];
  const seen = new Set<string>();

  const inspect = (tool: string | undefined, text: string) => {
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (!line) continue;
      const matches = [...line.matchAll(PATH_IN_TEXT)];
      const paths = matches.map((m) => m[1]);
      let path: string | undefined;
      const denial = DENIAL_TEXT.exec(line);
      if (denial) {
        // "bash: line 1: /x: Read-only file system" names it before the phrase;
        // "EROFS: read-only file system, open '/x'" after it.
        const before = matches.filter((m) => (m.index ?? 0) < denial.index);
        path = before.length ? before[before.length - 1][1] : paths[0];
      } else if (MISSING_TEXT.test(line)) {
        path = paths.find((p) => options.hiddenPaths.some((h) => p === h || p.startsWith(`${h}/`)));
        if (!path) continue;
      } else continue;
      const key = `${tool}\u0000${line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found.push({
        kind: "file",
        tool,
        path,
        message: line.slice(0, 300),
        at: now().toISOString(),
      });
    }
  };

  return {
    line(text: string): void {
      if (!text.startsWith("{")) return;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        if (error instanceof SyntaxError) return;
        throw error;
      }
      const message = StreamMessage.safeParse(json);
      if (message.success) {
        for (const block of message.data.message.content) {
          const use = ToolUse.safeParse(block);
          if (use.success) tools.set(use.data.id, use.data.name);
          const result = ToolResult.safeParse(block);
          if (result.success) {
            const tool = result.data.tool_use_id ? tools.get(result.data.tool_use_id) : undefined;
            inspect(tool, textOf(result.data.content));
          }
        }
        return;
      }
      const item = CodexCommand.safeParse(json);
      if (item.success) inspect("exec_command", item.data.item.aggregated_output ?? "");
    },
    plain: (tool, text) => inspect(tool, text),
    denials: () => found.map((d) => ({ ...d })),
  };
}

const CodexCommand = z.looseObject({
  type: z.literal("item.completed"),
  item: z.looseObject({
    type: z.literal("command_execution"),
    aggregated_output: z.string().optional(),
  }),
});

/**
 * Converts the engine's permission denials to denial records.
 *
 * @param denials The engine's `permission_denials`.
 * @returns One record per denial.
 */
export function enginePermissionDenials(
  denials: readonly PermissionDenial[],
): EnginePermissionDenial[] {
  return denials.map((denial) => ({
    kind: "permission",
    tool: denial.toolName,
    input: JSON.stringify(denial.input ?? null).slice(0, 300),
  }));
}

/**
 * Counts denials by kind, for `alfred status`.
 *
 * @param denials A firing's denials.
 * @returns Counts of `network`, `file` and `permission` denials.
 */
export function countDenials(
  denials: readonly SandboxDenial[],
): { network: number; file: number; permission: number } {
  const counts = { network: 0, file: 0, permission: 0 };
  for (const denial of denials) counts[denial.kind]++;
  return counts;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((part) =>
      typeof part === "object" && part !== null && "text" in part &&
        typeof (part as { text: unknown }).text === "string"
        ? (part as { text: string }).text
        : ""
    ).join("\n");
  }
  return "";
}

/**
 * One denial as the firing record keeps it: a kind and one line (pure).
 *
 * @param denial A denial of the sandbox, the proxy or the engine.
 * @returns The record.
 */
export function denialRecordOf(denial: SandboxDenial): DenialRecord {
  switch (denial.kind) {
    case "network":
      return {
        kind: "network",
        detail: `${denial.method} ${denial.host}:${denial.port} (${denial.reason})`,
      };
    case "file":
      return {
        kind: "file",
        detail: `${denial.tool ?? "tool"}: ${denial.message}${
          denial.path ? ` (${denial.path})` : ""
        }`,
      };
    case "permission":
      return { kind: "permission", detail: `${denial.tool} ${denial.input}` };
  }
}
