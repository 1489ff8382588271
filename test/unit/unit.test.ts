/**
 * The unit tier, one jest file: each topic is a `.spec.ts` beside this file, run in a describe block of
 * its own name, all in one module registry (test/support/topics.ts says why). One topic alone:
 * `npm run test:unit -- -t certificate-policy`.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- each topic loads inside its describe block */
import { describeTopics } from '../support/topics';

describeTopics(__dirname, {
  'alb-event': () => require('./alb-event.spec'),
  'api-gateway-event': () => require('./api-gateway-event.spec'),
  'auth0-drift': () => require('./auth0-drift.spec'),
  'auth0-matching': () => require('./auth0-matching.spec'),
  'certificate-chain': () => require('./certificate-chain.spec'),
  'certificate-policy': () => require('./certificate-policy.spec'),
  certificate: () => require('./certificate.spec'),
  'cli-settings': () => require('./cli-settings.spec'),
  'cloudfront-viewer-request': () => require('./cloudfront-viewer-request.spec'),
  docs: () => require('./docs.spec'),
  errors: () => require('./errors.spec'),
  'preflight-context': () => require('./preflight-context.spec'),
  'proxy-cache-secret': () => require('./proxy-cache-secret.spec'),
  'proxy-config': () => require('./proxy-config.spec'),
  'proxy-decision': () => require('./proxy-decision.spec'),
  'proxy-encoding': () => require('./proxy-encoding.spec'),
  'proxy-headers': () => require('./proxy-headers.spec'),
  'proxy-telemetry': () => require('./proxy-telemetry.spec'),
  'registry-model': () => require('./registry-model.spec'),
  'truststore-registry': () => require('./truststore-registry.spec'),
  'truststore-rules': () => require('./truststore-rules.spec'),
  truststore: () => require('./truststore.spec'),
});
