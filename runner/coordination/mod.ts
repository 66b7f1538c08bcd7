/**
 * Coordination of firings across processes and hosts: the
 * {@linkcode Coordination} interface (coordination.ts: the fleet's gate,
 * locks, spend, pause and block), its two backends (this host's files:
 * file_coordination.ts; Redis: redis_coordination.ts over the connection
 * and settings of redis_connection.ts), and {@linkcode openCoordination}
 * (open.ts), which picks the backend from the settings.
 *
 * The `redis` npm module is the one heavy optional part: it loads only when
 * a Redis backend is opened (redis_connection.ts), never for the file backend.
 *
 * @module
 */
export * from "./coordination.ts";
export * from "./file_coordination.ts";
export * from "./open.ts";
export * from "./redis_connection.ts";
export * from "./redis_coordination.ts";
