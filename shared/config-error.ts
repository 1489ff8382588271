/**
 * A configuration the code refuses to run with (a context key of the CDK app, an environment variable of
 * a handler): one line naming the setting, the bad value and the fix. Shared, so the app entry, the
 * handlers and the CLI can tell it from every other failure.
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
