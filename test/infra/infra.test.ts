/**
 * The infra tier's topics, one jest file: each is a `.spec.ts` beside this file, run in a describe block
 * of its own name, all in one module registry, so aws-cdk-lib and the stack load once
 * (test/support/topics.ts). synth.test.ts stays a file of its own: it bundles and runs the CDK's
 * CloudFormation validation, the tier's longest work, and runs beside this one. One topic alone:
 * `npm run test:infra -- -t alb-front-door`.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- each topic loads inside its describe block */
import { describeTopics } from '../support/topics';

// Synthesis takes seconds per configuration, minutes on a loaded two-core machine.
jest.setTimeout(300_000);

describeTopics(__dirname, {
  'alb-front-door': () => require('./alb-front-door.spec'),
  app: () => require('./app.spec'),
  'aws-rules': () => require('./aws-rules.spec'),
  config: () => require('./config.spec'),
  'custom-domain-edge': () => require('./custom-domain-edge.spec'),
  'customer-edge-stack-custom-domain': () => require('./customer-edge-stack-custom-domain.spec'),
  'customer-edge-stack': () => require('./customer-edge-stack.spec'),
  'lambda-runtime': () => require('./lambda-runtime.spec'),
  'preflight-requirements': () => require('./preflight-requirements.spec'),
});
