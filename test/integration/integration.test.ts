/**
 * The integration topics that can share one module registry, one jest file: the proxy's handler
 * against its stand-ins (through test/support/proxy-harness.ts), the registry store and the benchmark's
 * token upstream. Each is a `.spec.ts` beside this file, run in a describe block of its own name
 * (test/support/topics.ts says why). The other files of this folder stay files of their own: they
 * start child processes, or patch what every module of a registry shares (aws-sdk-client-mock's mocks
 * in preflight.test.ts, the process streams in auth0-cli.test.ts). One topic alone:
 * `npm run test:integration -- -t proxy-handler`.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- each topic loads inside its describe block */
import { describeTopics } from '../support/topics';

describeTopics(__dirname, {
  'bench-token-upstream': () => require('./bench-token-upstream.spec'),
  'proxy-alb': () => require('./proxy-alb.spec'),
  'proxy-entry': () => require('./proxy-entry.spec'),
  'proxy-forward': () => require('./proxy-forward.spec'),
  'proxy-handler': () => require('./proxy-handler.spec'),
  'proxy-junk': () => require('./proxy-junk.spec'),
  'proxy-kms': () => require('./proxy-kms.spec'),
  'registry-store': () => require('./registry-store.spec'),
});
