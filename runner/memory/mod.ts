/**
 * Lessons memory: what a firing taught, recalled before the next one. The
 * lesson, its ranking and rendering (store.ts); the local file, which is
 * always the record (file_store.ts); the Redis mirror every host shares
 * (redis_store.ts); and {@linkcode openLessonStore} and
 * {@linkcode lessonsForPrompt} (open.ts).
 *
 * @module
 */
export * from "./file_store.ts";
export * from "./open.ts";
export * from "./redis_store.ts";
export * from "./store.ts";
