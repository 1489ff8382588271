/**
 * Entry of the admin CLI `edge-certs` (`npx edge-certs …`, `npm run certs -- …`).
 * The implementation lives in cli/; this file only wires it to the process.
 */
import { main } from '../cli/main';
import { errorMessage } from '../shared/errors';

// Node.js 20 is this project's local runtime (docs/reference.md#runtimes): the SDK's nine-line notice about Node 22
// would follow every command's output. An explicit setting still wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`edge-certs: ${errorMessage(error)}\n`);
    process.exitCode = 1;
  },
);
