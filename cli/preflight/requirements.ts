/**
 * What the stack needs from the account, as numbers preflight compares against. Each is pinned against
 * the synthesized stack by test/infra/preflight-requirements.spec.ts, so a change to the stack or an
 * aws-cdk-lib upgrade that moves one fails a test instead of the operator's deploy.
 */

/**
 * The lowest CDK bootstrap stack version this app's deployment needs: aws-cdk-lib's
 * `DefaultStackSynthesizer` writes `requiresBootstrapStackVersion` into the cloud assembly
 * (`MIN_BOOTSTRAP_STACK_VERSION`, 6 in aws-cdk-lib 2.276.0, for both the stack and its assets).
 */
export const MIN_BOOTSTRAP_VERSION = 6;

/** `DefaultStackSynthesizer.DEFAULT_QUALIFIER`, unless the context sets `@aws-cdk/core:bootstrapQualifier`. */
export const DEFAULT_BOOTSTRAP_QUALIFIER = 'hnb659fds';

/** The context key that changes the qualifier (aws-cdk-lib `BOOTSTRAP_QUALIFIER_CONTEXT`). */
export const BOOTSTRAP_QUALIFIER_CONTEXT = '@aws-cdk/core:bootstrapQualifier';

/** `cdk bootstrap`'s default stack name (`--toolkit-stack-name` changes it, for cdk and for preflight). */
export const DEFAULT_TOOLKIT_STACK_NAME = 'CDKToolkit';

/**
 * Reserved concurrency the stack's functions claim in total: none (the truststore builder's builds are
 * correct when they run at once, so it reserves nothing; a pinning test reads the template).
 */
export const STACK_RESERVED_CONCURRENCY = 0;

/**
 * Lambda refuses a reservation that would leave fewer unreserved concurrent executions than this
 * ("decreases account's UnreservedConcurrentExecution below its minimum value of [10]").
 */
export const MIN_UNRESERVED_CONCURRENCY = 10;

/**
 * Below this account concurrency limit, preflight notes that the proxy can be throttled before the
 * stage's own throttling (100 requests/s, bursts of 200, each holding a proxy instance for one round
 * trip to Auth0). New accounts may start at 10.
 */
export const COMFORTABLE_CONCURRENCY_LIMIT = 100;
