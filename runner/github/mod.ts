/**
 * GitHub for the runner: the client (octokit with Alfred's retry, spacing,
 * timeout and conditional-request discipline: client.ts, retries.ts,
 * limiter.ts), the REST calls of the claim protocol and of pull requests
 * (rest.ts, pulls.ts), where the token comes from (token.ts), rate-limit
 * rules and the persisted backoff (rate_limit.ts, backoff.ts), and failures
 * told apart by cause (failures.ts). The claim protocol built on it is
 * runner/claims/.
 *
 * token.ts and backoff.ts load without octokit: the lifecycle imports them by
 * name to check a token's backoff before any client exists.
 *
 * @module
 */
export * from "./backoff.ts";
export * from "./client.ts";
export * from "./failures.ts";
export * from "./limiter.ts";
export * from "./pulls.ts";
export * from "./rate_limit.ts";
export * from "./rest.ts";
export * from "./retries.ts";
export * from "./token.ts";
