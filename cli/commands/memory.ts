/**
 * `alfred memory list|forget|export`: the lessons agents remember between firings.
 *
 * @module
 */
import type { Command } from "./context.ts";
import { defineCommand } from "./args.ts";
import { UsageError } from "../../runner/errors.ts";
import { Codename, loadFleetConfig, RepoName } from "../../runner/config/config.ts";
import { validateScheduleText } from "../../runner/config/schedule_check.ts";
import { type LessonFilter, openLessonStore, rankLessons } from "../../runner/memory/mod.ts";

const HELP = `Usage: alfred memory list [--repo owner/name] [--agent codename] [--for "issue text"]
       alfred memory forget (<id>... | --all | [--repo owner/name] [--agent codename] [--before date])
       alfred memory export [--repo owner/name] [--agent codename]

Lessons are what a firing left for the next ones: the engine's closing notes
and the cause of a failure, kept per repo. Before a firing, the few most
relevant lessons of the same repo go into the prompt.

list     shows lessons, oldest first; with --for (and --repo) ranks them as a
         firing of --agent on an issue with that text would, with the scores
forget   removes lessons everywhere (the local file, and Redis when configured)
export   prints lessons as JSON lines, one per line

The store is ALFRED_HOME/memory/lessons.jsonl, mirrored to Redis when
ALFRED_REDIS_URL is set (see docs/MEMORY_AND_HOSTS.md).`;

/** The `memory` command. */
export const memoryCommand: Command = defineCommand({
  command: "memory",
  help: HELP,
  options: {
    repo: { type: "string" },
    agent: { type: "string" },
    before: { type: "string" },
    for: { type: "string" },
    all: { type: "boolean" },
  },
  allowPositionals: true,
}, async ({ values, positionals }, context) => {
  const [action, ...rest] = positionals;
  if (!action) throw new UsageError("alfred memory needs an action: list, forget or export");
  if (!["list", "forget", "export"].includes(action)) {
    throw new UsageError(`alfred memory: unknown action "${action}" (list, forget or export)`);
  }
  if (rest.length && action !== "forget") {
    throw new UsageError(`alfred memory ${action}: unexpected "${rest.join(" ")}"`);
  }
  if (values.repo && !RepoName.safeParse(values.repo).success) {
    throw new UsageError(`--repo must look like owner/name (got "${values.repo}")`);
  }
  if (values.agent && !Codename.safeParse(values.agent).success) {
    throw new UsageError(`--agent must be a codename like lucius (got "${values.agent}")`);
  }
  let before: Date | undefined;
  if (values.before) {
    before = new Date(values.before);
    if (Number.isNaN(before.getTime())) {
      throw new UsageError(`--before must be a date like 2026-11-01 (got "${values.before}")`);
    }
  }
  if (values.for !== undefined && (action !== "list" || !values.repo)) {
    throw new UsageError("--for goes with `alfred memory list --repo owner/name`");
  }
  if (values.all !== undefined && action !== "forget") {
    throw new UsageError("--all goes with `alfred memory forget`");
  }
  const filter: LessonFilter = {
    ids: rest.length ? rest : undefined,
    repo: values.repo,
    codename: values.agent,
    before,
  };
  if (
    action === "forget" && !values.all && !rest.length && !values.repo && !values.agent && !before
  ) {
    throw new UsageError("alfred memory forget needs ids, a filter, or --all");
  }
  if (values.all && (rest.length || values.repo || values.agent || before)) {
    throw new UsageError("alfred memory forget --all takes no ids or filters");
  }
  const store = await openLessonStore(context.layout, {
    settings: (await loadFleetConfig(context.layout.fleetFile, {
      env: context.env,
      validateSchedule: validateScheduleText,
    })).memory,
    warn: context.stderr,
  });
  try {
    if (action === "forget") {
      const removed = await store.forget(values.all ? {} : filter);
      context.stdout(`Forgot ${removed} lesson${removed === 1 ? "" : "s"}.`);
      return 0;
    }
    const lessons = await store.list(filter);
    if (action === "export") {
      for (const lesson of lessons) context.stdout(JSON.stringify(lesson));
      return 0;
    }
    if (values.for !== undefined) {
      const ranked = rankLessons(lessons, {
        repo: values.repo!,
        codename: values.agent ?? "",
        title: values.for,
      }, { limit: lessons.length, now: context.now() });
      for (const { lesson, score } of ranked) {
        context.stdout(
          `${
            score.total.toFixed(2)
          } (agent ${score.codename}, topic ${score.topic}, text ${score.text}, ` +
            `recency ${score.recency})  ${lesson.id}  [${lesson.codename}, ${lesson.topic}] ${lesson.text}`,
        );
      }
      if (!ranked.length) context.stdout("No lessons for this repo.");
      return 0;
    }
    for (const lesson of lessons) {
      context.stdout(
        `${lesson.id}  ${lesson.at.slice(0, 10)}  ${lesson.repo}  ${lesson.codename}  ` +
          `[${lesson.topic}${lesson.outcome ? `, ${lesson.outcome}` : ""}] ${lesson.text}`,
      );
    }
    if (!lessons.length) context.stdout("No lessons.");
    return 0;
  } finally {
    await store.close();
  }
});
