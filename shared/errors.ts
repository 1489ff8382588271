/**
 * Narrowing what a `catch` receives. Anything can be thrown (`throw 'text'`, a promise rejected with
 * a plain object), so a `catch (error)` holds `unknown`: these read it without an `as Error` cast, and
 * never answer `undefined` for a message.
 */

/** The thrown value as an Error: itself when it is one, else an Error whose message is the value as text. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The message of a thrown value: an Error's message, else the value as text. */
export function errorMessage(error: unknown): string {
  return asError(error).message;
}

/** Node's system error code (`ENOENT`, `EACCES`, …) of a thrown value, when it carries one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
