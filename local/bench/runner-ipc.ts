/** The child side of the runners' IPC channel: what cold-runner.ts and warm-runner.ts both do. */
import { asError, errorMessage } from '../../shared/errors';
import type { RunnerMessage } from './protocol';

/** Sends one message to the parent; resolves once it is handed over. */
export function send(message: RunnerMessage): Promise<void> {
  return new Promise((resolve, reject) =>
    process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())),
  );
}

/** Runs a runner's main: exit 0 when it resolves; on a throw, tell the parent why, then exit 1. */
export function runAsChild(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    async (error: unknown) => {
      await send({ type: 'failure', message: asError(error).stack ?? errorMessage(error) }).catch(
        () => undefined,
      );
      process.exit(1);
    },
  );
}
