/** Exit statuses of docs/reference.md#cli. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A failure with its exit status and a one-line message (printed as `edge-certs: <message>`). */
export class CliError extends Error {
  constructor(
    readonly exitCode: typeof EXIT_FAILURE | typeof EXIT_USAGE,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad input or usage: exit 2. */
export function usageError(message: string): CliError {
  return new CliError(EXIT_USAGE, message);
}

/** Any other failure: exit 1. */
export function failure(message: string): CliError {
  return new CliError(EXIT_FAILURE, message);
}
