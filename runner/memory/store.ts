/**
 * Lessons memory: what a lesson is, the store interface both backends
 * implement, and the pure parts — relevance, recall and the prompt block.
 *
 * Relevance is simple and explainable: a lesson is only ever recalled for the
 * repo it was learned on; among those, it scores for being the same agent,
 * for sharing words of its topic and text with the issue's title and body, and
 * for being recent. {@linkcode scoreLesson} returns the parts, so `alfred
 * memory list --for` can show why a lesson was picked.
 *
 * @module
 */
import { z } from "zod";
import { Outcome } from "../firing/events.ts";
import { RepoName } from "../config/config.ts";

/** One lesson, as stored (one JSON line locally, one hash field in Redis). */
export const Lesson = z.strictObject({
  version: z.literal(1),
  /** Unique fleet-wide: the firing id and a counter. */
  id: z.string().regex(/^[A-Za-z0-9._:-]{1,120}$/),
  repo: RepoName,
  codename: z.string().min(1),
  /** A few words, e.g. `max-turns`, `flaky test`, `ci lint`. */
  topic: z.string().min(1).max(120),
  text: z.string().min(1).max(4_000),
  outcome: Outcome.optional(),
  firingId: z.string().min(1),
  at: z.iso.datetime({ offset: true }),
});
/** A parsed lesson. */
export type Lesson = z.infer<typeof Lesson>;

/** Which lessons a list or forget applies to; every given field must match. */
export interface LessonFilter {
  /** Exact ids. */
  ids?: string[];
  /** `owner/name`. */
  repo?: string;
  /** The agent. */
  codename?: string;
  /** Learned before this instant. */
  before?: Date;
}

/** A place lessons are kept. */
export interface LessonStore {
  /** `file` or `redis`. */
  readonly kind: "file" | "redis";
  /** Adds lessons (a lesson whose id is already stored is not added twice). */
  add(lessons: Lesson[]): Promise<void>;
  /** Lists stored lessons, oldest first. */
  list(filter?: LessonFilter): Promise<Lesson[]>;
  /** Removes lessons; returns how many were removed. */
  forget(filter: LessonFilter): Promise<number>;
  /** Releases resources; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Whether a lesson matches a filter (pure).
 *
 * @param lesson The lesson.
 * @param filter The filter; an empty filter matches everything.
 * @returns True when every given field matches.
 */
export function matchesFilter(lesson: Lesson, filter: LessonFilter): boolean {
  if (filter.ids && !filter.ids.includes(lesson.id)) return false;
  if (filter.repo && lesson.repo !== filter.repo) return false;
  if (filter.codename && lesson.codename !== filter.codename) return false;
  if (filter.before && Date.parse(lesson.at) >= filter.before.getTime()) return false;
  return true;
}

/** What a firing is about, for recall. */
export interface RecallQuery {
  /** `owner/name`: required, lessons of other repos are never recalled. */
  repo: string;
  /** The agent about to fire. */
  codename: string;
  /** The issue's title, when there is one. */
  title?: string;
  /** The issue's body, when there is one. */
  body?: string;
}

/** Why a lesson scored what it did. */
export interface LessonScore {
  /** The sum of the parts. */
  total: number;
  /** 3 when the lesson was learned by the same agent. */
  codename: number;
  /** 2 per word of the topic found in the issue. */
  topic: number;
  /** 1 per distinct word of the text found in the issue, at most 5. */
  text: number;
  /** From 1 (learned now) down to 0 (90 days or older). */
  recency: number;
}

/** Weights and horizon of {@linkcode scoreLesson}. */
export const RELEVANCE = { codename: 3, topicWord: 2, textWord: 1, textCap: 5, recencyDays: 90 };

const STOP_WORDS = new Set(
  ("a an and are as at be but by can do does for from has have if in into is it its no not of " +
    "on or so than that the then there these this to was were when which will with without " +
    "we you i our should would could use used using add fix make new issue")
    .split(" "),
);

/**
 * The words of a text that carry meaning (pure): lower-cased, split on
 * anything but letters, digits, `-`, `_` and `.`, without stop words and
 * words shorter than three characters.
 *
 * @param text Any text.
 * @returns The distinct words.
 */
export function keywords(text: string): Set<string> {
  const words = text.toLowerCase().split(/[^\p{L}\p{N}_.-]+/u)
    .map((word) => word.replace(/^[._-]+|[._-]+$/g, ""))
    .filter((word) => word.length >= 3 && !STOP_WORDS.has(word));
  return new Set(words);
}

/**
 * Scores a lesson against a query (pure). A lesson of another repo scores
 * `undefined`: it is never relevant.
 *
 * @param lesson The lesson.
 * @param query The firing's repo, agent and issue.
 * @param options The clock.
 * @returns The score and its parts, or `undefined` for another repo.
 */
export function scoreLesson(
  lesson: Lesson,
  query: RecallQuery,
  options: { now: Date },
): LessonScore | undefined {
  if (lesson.repo !== query.repo) return undefined;
  const issueWords = keywords(`${query.title ?? ""}\n${query.body ?? ""}`);
  const topicHits = [...keywords(lesson.topic)].filter((word) => issueWords.has(word)).length;
  const textHits = [...keywords(lesson.text)].filter((word) => issueWords.has(word)).length;
  const ageDays = Math.max(0, (options.now.getTime() - Date.parse(lesson.at)) / 86_400_000);
  const parts = {
    codename: lesson.codename === query.codename ? RELEVANCE.codename : 0,
    topic: topicHits * RELEVANCE.topicWord,
    text: Math.min(RELEVANCE.textCap, textHits * RELEVANCE.textWord),
    recency: Math.round(Math.max(0, 1 - ageDays / RELEVANCE.recencyDays) * 1000) / 1000,
  };
  return { total: parts.codename + parts.topic + parts.text + parts.recency, ...parts };
}

/**
 * Picks the most relevant lessons for a firing (pure): same repo only, highest
 * score first, newer first on ties.
 *
 * @param lessons Candidate lessons.
 * @param query The firing's repo, agent and issue.
 * @param options How many, and the clock.
 * @returns At most `limit` lessons with their scores.
 */
export function rankLessons(
  lessons: Lesson[],
  query: RecallQuery,
  options: { limit: number; now: Date },
): { lesson: Lesson; score: LessonScore }[] {
  const scored: { lesson: Lesson; score: LessonScore }[] = [];
  for (const lesson of lessons) {
    const score = scoreLesson(lesson, query, options);
    if (score) scored.push({ lesson, score });
  }
  scored.sort((a, b) => b.score.total - a.score.total || b.lesson.at.localeCompare(a.lesson.at));
  return scored.slice(0, Math.max(0, options.limit));
}

/**
 * Renders lessons as a block for the engine's prompt, cut to `maxChars` (pure).
 * Whole lessons are kept while they fit; the first that does not fit is
 * shortened with `…` when at least 80 characters of room are left.
 *
 * @param lessons The lessons, most relevant first.
 * @param options The size cap.
 * @returns The block, or `""` when there is nothing to say.
 */
export function renderLessons(lessons: Lesson[], options: { maxChars: number }): string {
  if (!lessons.length) return "";
  const head = "Lessons from earlier firings on this repo (most relevant first):";
  if (head.length > options.maxChars) return "";
  let block = head;
  for (const lesson of lessons) {
    const outcome = lesson.outcome ? `, ${lesson.outcome}` : "";
    const line = `\n- [${lesson.codename}, ${lesson.topic}${outcome}, ${lesson.at.slice(0, 10)}] ${
      lesson.text.replace(/\s+/g, " ").trim()
    }`;
    const room = options.maxChars - block.length;
    if (line.length <= room) {
      block += line;
      continue;
    }
    if (room >= 80) block += line.slice(0, room - 1) + "…";
    break;
  }
  return block === head ? "" : block;
}

/** What a firing left behind that is worth remembering. */
export interface FiringNotes {
  /** The agent. */
  codename: string;
  /** The firing id. */
  firingId: string;
  /** The repo worked on (`owner/name`); without one nothing is remembered. */
  repo: string | undefined;
  /** How it ended. */
  outcome: Outcome;
  /** The classified failure's cause, for failures. */
  error?: string;
  /** The engine's closing notes (the prompt asks for them), one lesson per paragraph. */
  notes?: string;
  /** When it ended. */
  at: Date;
}

const NOT_WORTH_A_LESSON = new Set<Outcome>([
  "success",
  "silent",
  "idle",
  "dry-run",
  "auto-paused",
  "github-backoff",
]);

/**
 * Turns what a firing left behind into lessons (pure): one per paragraph of the
 * engine's closing notes (topic: its first words), and one for a failure with
 * its cause (topic: the outcome).
 *
 * @param firing The firing's notes.
 * @returns The lessons, possibly none.
 */
export function lessonsFromFiring(firing: FiringNotes): Lesson[] {
  if (!firing.repo || !RepoName.safeParse(firing.repo).success) return [];
  const lessons: Lesson[] = [];
  const base = {
    version: 1 as const,
    repo: firing.repo,
    codename: firing.codename,
    outcome: firing.outcome,
    firingId: firing.firingId,
    at: firing.at.toISOString(),
  };
  const paragraphs = (firing.notes ?? "").split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  for (const paragraph of paragraphs.slice(0, 5)) {
    const topic = [...keywords(paragraph)].slice(0, 4).join(" ") || "notes";
    lessons.push({
      ...base,
      id: `${firing.firingId}-${lessons.length + 1}`,
      topic,
      text: paragraph.slice(0, 4_000),
    });
  }
  if (firing.error && !NOT_WORTH_A_LESSON.has(firing.outcome)) {
    lessons.push({
      ...base,
      id: `${firing.firingId}-${lessons.length + 1}`,
      topic: firing.outcome,
      text: `${firing.outcome}: ${firing.error}`.slice(0, 4_000),
    });
  }
  return lessons.map((lesson) => Lesson.parse(lesson));
}

/**
 * The repo an issue reference points at (pure).
 *
 * @param issue `owner/name#12` or `https://github.com/owner/name/issues/12`.
 * @returns `owner/name`, or `undefined` when it names none.
 */
export function repoOfIssue(issue: string | null | undefined): string | undefined {
  if (!issue) return undefined;
  const url = /^https?:\/\/[^/]+\/([^/\s]+\/[^/\s#]+)\/(?:issues|pull)\/\d+/.exec(issue);
  if (url) return url[1];
  const short = /^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)#\d+$/.exec(issue);
  return short?.[1];
}
