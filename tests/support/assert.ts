/**
 * Assertions for the tests, in the shape of `@std/assert` (which lives on JSR,
 * out of reach here), built on `node:assert`.
 *
 * @module
 */
import nodeAssert from "node:assert/strict";

/**
 * Asserts that `value` is truthy.
 *
 * @param value The value.
 * @param message Shown on failure.
 */
export function assert(value: unknown, message?: string): asserts value {
  nodeAssert.ok(value, message);
}

/**
 * Asserts deep, strict equality.
 *
 * @param actual What the code produced.
 * @param expected What it should be.
 * @param message Shown on failure.
 */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message);
}

/**
 * Asserts deep inequality.
 *
 * @param actual What the code produced.
 * @param expected What it must not be.
 * @param message Shown on failure.
 */
export function assertNotEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.notDeepStrictEqual(actual, expected, message);
}

/**
 * Asserts that a string matches a pattern.
 *
 * @param actual The string.
 * @param pattern The pattern.
 * @param message Shown on failure.
 */
export function assertMatch(actual: string, pattern: RegExp, message?: string): void {
  nodeAssert.match(actual, pattern, message);
}

/**
 * Asserts that a string does not match a pattern.
 *
 * @param actual The string.
 * @param pattern The pattern.
 * @param message Shown on failure.
 */
export function assertNotMatch(actual: string, pattern: RegExp, message?: string): void {
  nodeAssert.doesNotMatch(actual, pattern, message);
}

/**
 * Asserts that a string contains another.
 *
 * @param actual The string.
 * @param expected The part it must contain.
 * @param message Shown on failure.
 */
export function assertStringIncludes(actual: string, expected: string, message?: string): void {
  nodeAssert.ok(
    actual.includes(expected),
    message ?? `expected ${JSON.stringify(actual)} to include ${JSON.stringify(expected)}`,
  );
}

/**
 * Asserts that `fn` throws an instance of `type`, and returns it.
 *
 * @param fn The code.
 * @param type The error class.
 * @param includes Text the message must contain.
 * @returns The error.
 */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  type: abstract new (...args: never[]) => E,
  includes?: string,
): E {
  try {
    fn();
  } catch (error) {
    nodeAssert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    if (includes) assertStringIncludes((error as Error).message, includes);
    return error as E;
  }
  throw new nodeAssert.AssertionError({ message: `expected ${type.name} to be thrown` });
}

/**
 * Asserts that `fn` rejects with an instance of `type`, and returns it.
 *
 * @param fn The code.
 * @param type The error class.
 * @param includes Text the message must contain.
 * @returns The error.
 */
export async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  type: abstract new (...args: never[]) => E,
  includes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    nodeAssert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    if (includes) assertStringIncludes((error as Error).message, includes);
    return error as E;
  }
  throw new nodeAssert.AssertionError({ message: `expected ${type.name} to be thrown` });
}
