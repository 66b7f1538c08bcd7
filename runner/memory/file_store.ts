/**
 * The local lessons store: `ALFRED_HOME/memory/lessons.jsonl`, one lesson per
 * line, added to at the end. Forgetting rewrites the file without the
 * forgotten lines (atomically), which also drops unreadable lines and
 * duplicates. Adding and rewriting are serialised by a lock file, so an add
 * never lands in a file that is being replaced.
 *
 * @module
 */
import { withFileLock } from "../firing/lock.ts";
import type { Layout } from "../paths.ts";
import { parseJsonLines, readTextIfExists, writeFileAtomic } from "../state.ts";
import { Lesson, type LessonFilter, type LessonStore, matchesFilter } from "./store.ts";

/**
 * The local lessons file.
 *
 * @param layout The home layout.
 * @returns `memory/lessons.jsonl`.
 */
export function lessonsFile(layout: Layout): string {
  return `${layout.home}/memory/lessons.jsonl`;
}

/** What reading the lessons file found. */
export interface LessonsRead {
  /** The lessons, in file order, without duplicate ids. */
  lessons: Lesson[];
  /** Lines that could not be parsed (skipped). */
  badLines: number;
}

/**
 * Reads the local lessons file.
 *
 * @param file The file.
 * @returns The lessons and the count of bad lines.
 */
export async function readLessonsFile(file: string): Promise<LessonsRead> {
  const { values, badLines } = parseJsonLines((await readTextIfExists(file)) ?? "", Lesson);
  const seen = new Set<string>();
  const lessons: Lesson[] = [];
  for (const lesson of values) {
    if (seen.has(lesson.id)) continue;
    seen.add(lesson.id);
    lessons.push(lesson);
  }
  return { lessons, badLines };
}

/**
 * Opens the local store.
 *
 * Requires read and write access to `ALFRED_HOME/memory`.
 *
 * @param layout The home layout.
 * @param options A warning sink for unreadable lines.
 * @returns The store.
 */
export function fileLessonStore(
  layout: Layout,
  options: { warn?: (message: string) => void } = {},
): LessonStore {
  const file = lessonsFile(layout);
  const lockPath = `${file}.lock`;
  let warned = false;
  const read = async () => {
    const result = await readLessonsFile(file);
    if (result.badLines && !warned) {
      warned = true;
      options.warn?.(
        `warning: ${result.badLines} unreadable line(s) in ${file} were skipped; ` +
          "`alfred memory forget` rewrites the file without them",
      );
    }
    return result.lessons;
  };
  return {
    kind: "file",
    async add(lessons) {
      if (!lessons.length) return;
      const checked = lessons.map((lesson) => Lesson.parse(lesson));
      await withFileLock(lockPath, async () => {
        const known = new Set((await read()).map((lesson) => lesson.id));
        const fresh = checked.filter((lesson) => !known.has(lesson.id));
        if (!fresh.length) return;
        const handle = await Deno.open(file, { append: true, create: true });
        try {
          const bytes = new TextEncoder().encode(
            fresh.map((lesson) => JSON.stringify(lesson)).join("\n") + "\n",
          );
          const written = await handle.write(bytes);
          if (written !== bytes.length) throw new Error(`short write to ${file}`);
        } finally {
          handle.close();
        }
      });
    },
    async list(filter: LessonFilter = {}) {
      return (await read()).filter((lesson) => matchesFilter(lesson, filter));
    },
    forget(filter) {
      return withFileLock(lockPath, async () => {
        const { lessons, badLines } = await readLessonsFile(file);
        const kept = lessons.filter((lesson) => !matchesFilter(lesson, filter));
        const removed = lessons.length - kept.length;
        if (removed === 0 && badLines === 0) return 0;
        await writeFileAtomic(
          file,
          kept.map((lesson) => JSON.stringify(lesson) + "\n").join(""),
        );
        return removed;
      });
    },
    close() {
      return Promise.resolve();
    },
  };
}
